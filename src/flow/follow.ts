import { randomBytes, randomInt } from "node:crypto";
import { type AppCredential, OfficialAccount } from "../client/index.js";
import { WeChatApiError, WeChatError } from "../protocol/errors.js";
import { showQrCodeUrl } from "../protocol/mp.js";
import type { MpEvent } from "../protocol/mp-message.js";
import type { LoginAttemptKind, LoginAttemptRecord, RateLimitRule } from "../stores/types.js";
import { admitLogin } from "./admit-login.js";
import { upstreamFailure } from "./callback.js";
import type { FlowContext, LoginApp } from "./context.js";
import { isRandomToken, randomToken, sha256 } from "./crypto.js";
import { followPage } from "./follow-page.js";
import type { PushOutcome } from "./mp-events.js";
import { pickLang } from "./pages.js";
import { singleParam } from "./params.js";
import { json } from "./responses.js";
import { safeReturnTo } from "./return-to.js";
import { logUpstreamFailure } from "./upstream-failure.js";

/** The two ways of following to log in (spec A.0): a parametric QR, or a code sent as a message. */
export type FollowVariant = "qr" | "code";

const KIND: Record<FollowVariant, LoginAttemptKind> = { qr: "follow-qr", code: "follow-code" };
/** Spec A.7 §5: 6-8 digits; six are easy to type and, unique among live attempts, enough with the limits below. */
const CODE_PATTERN = /^\d{6}$/;
/** A live code is drawn again on a collision; this many in a row means the code space is crowded. */
const CODE_DRAWS = 8;
/**
 * Spec A.7 §5: codes are guessed by sending many of them, so each sender and
 * each code is limited (counted in the store, across instances).
 */
const CODE_RULES = {
  perOpenid: { name: "follow-openid", points: 10, durationSeconds: 300 },
  perCode: { name: "follow-code", points: 5, durationSeconds: 300 },
} as const satisfies Record<string, RateLimitRule>;

/** What the browser's poll is told. `done`: this attempt already gave its session. */
type PollStatus = "waiting" | "scanned" | "confirmed" | "expired" | "done";

/**
 * Follow an Official Account to log in (issue #14, spec A.0–A.7): an attempt
 * in the store, bound to the browser that started it by the pre-login
 * cookie; the push (to any instance) marks it confirmed; the bound browser's
 * poll (at any instance) consumes it once and starts the session.
 */
export class FollowLogin {
  readonly #account: OfficialAccount;

  constructor(
    private readonly ctx: FlowContext,
    private readonly app: LoginApp,
    credential: AppCredential,
    private readonly settings: {
      variants: readonly FollowVariant[];
      ttlSeconds: number;
      siteName: string;
    },
  ) {
    this.#account = new OfficialAccount({ client: app.client, credential });
  }

  /** `GET {prefix}/follow[?variant=qr|code&returnTo=…]`: a new attempt, as a page or as JSON. */
  async start(request: Request, url: URL): Promise<Response> {
    const wantsJson = (request.headers.get("accept") ?? "").includes("application/json");
    const asked = singleParam(url, "variant");
    const variant = asked ?? this.settings.variants[0];
    if (!this.settings.variants.some((v) => v === variant)) {
      return wantsJson
        ? json({ error: "invalid_request" }, 400)
        : this.ctx.page(request, "invalid_request", 400);
    }
    const returnTo = safeReturnTo(singleParam(url, "returnTo"), this.ctx.siteOrigin);
    const browserSecret = randomToken();
    const base = {
      id: randomToken(),
      appid: this.app.appid,
      browserBinding: sha256(browserSecret),
      returnTo,
      status: "waiting" as const,
    };
    let shown: { qrImageUrl: string; qrUrl: string } | { code: string };
    if (variant === "qr") {
      const sceneStr = `wl${randomBytes(16).toString("hex")}`;
      let ticket: string;
      let qrUrl: string;
      try {
        ({ ticket, url: qrUrl } = await this.#account.createQrCode({
          sceneStr,
          expireSeconds: this.settings.ttlSeconds,
        }));
      } catch (error) {
        if (!(error instanceof WeChatError)) throw error;
        return wantsJson ? this.#upstreamJson(error) : upstreamFailure(this.ctx, request, error);
      }
      const createdAt = this.ctx.now();
      await this.ctx.store.putAttempt({
        ...base,
        kind: KIND.qr,
        handle: sceneStr,
        ticket,
        createdAt,
        expiresAt: createdAt + this.settings.ttlSeconds * 1000,
      });
      // The image WeChat serves, and what it encodes (for a site that draws the QR itself).
      shown = { qrImageUrl: showQrCodeUrl(ticket, this.ctx.config.mpBase), qrUrl };
    } else {
      const code = await this.#putWithCode(base);
      if (code === undefined) {
        this.ctx.log?.error({ event: "follow_codes_exhausted" }, "no free login code");
        return wantsJson
          ? json({ error: "store_unavailable" }, 503)
          : this.ctx.page(request, "store_unavailable", 503);
      }
      shown = { code };
    }
    this.ctx.log?.info({ event: "follow_started", appid: this.app.appid, variant }, "follow login started");
    const setCookie = this.ctx.cookies.preLogin(browserSecret, this.settings.ttlSeconds);
    const pollUrl = `${this.ctx.config.routePrefix}/follow/${base.id}`;
    if (wantsJson) {
      return json(
        { attemptId: base.id, variant, ...shown, expiresIn: this.settings.ttlSeconds, pollUrl },
        200,
        [setCookie],
      );
    }
    return followPage({
      lang: pickLang(request),
      shown,
      pollUrl,
      expiresIn: this.settings.ttlSeconds,
      restartHref: `${this.ctx.config.routePrefix}/follow?variant=${variant}`,
      imageOrigin: new URL(this.ctx.config.mpBase).origin,
      setCookies: [setCookie],
    });
  }

  async #putWithCode(base: Omit<LoginAttemptRecord, "kind" | "handle" | "createdAt" | "expiresAt">) {
    for (let draw = 0; draw < CODE_DRAWS; draw++) {
      const code = String(randomInt(100_000, 1_000_000));
      const createdAt = this.ctx.now();
      const written = await this.ctx.store.putAttempt({
        ...base,
        kind: KIND.code,
        handle: code,
        createdAt,
        expiresAt: createdAt + this.settings.ttlSeconds * 1000,
      });
      if (written) return code;
    }
    return undefined;
  }

  /**
   * `GET {prefix}/follow/{attemptId}`: the attempt's state, to the browser it
   * is bound to only. The first poll that finds it confirmed consumes it
   * (`done`, compare-and-set, so exactly once across instances) and carries
   * the new session's cookie.
   */
  async poll(request: Request, url: URL): Promise<Response> {
    const id = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
    if (!isRandomToken(id)) return json({ error: "invalid_request" }, 400);
    const now = this.ctx.now();
    const attempt = await this.ctx.store.getAttempt(id, now);
    if (!attempt || attempt.appid !== this.app.appid || !attempt.kind.startsWith("follow-")) {
      return this.#status("expired");
    }
    const preLogin = this.ctx.cookies.read(request).preLogin;
    if (preLogin === undefined || sha256(preLogin) !== attempt.browserBinding) {
      // Another browser (a relayed link, a phished QR) learns nothing, and never gets the session.
      this.ctx.log?.warn({ event: "follow_poll_rejected", reason: "browser_mismatch" }, "poll rejected");
      return json({ error: "attempt_other_browser" }, 403);
    }
    if (attempt.status === "refused") return this.#status("expired");
    if (attempt.status !== "confirmed" || attempt.openid === undefined) return this.#status(attempt.status);
    return this.#complete(request, attempt, attempt.openid);
  }

  async #complete(request: Request, attempt: LoginAttemptRecord, openid: string): Promise<Response> {
    // Spec A.5/A.6: user/info is asked here, not while WeChat waits for the push's acknowledgement.
    let unionid: string | undefined;
    try {
      unionid = (await this.#account.getFollowerInfo(openid)).unionid;
    } catch (error) {
      if (!(error instanceof WeChatError)) throw error;
      return this.#upstreamJson(error);
    }
    if (this.ctx.config.requireUnionid && unionid === undefined) {
      this.ctx.log?.warn(
        { event: "login_refused", reason: "unionid_missing", appid: this.app.appid },
        "no unionid",
      );
      return json({ error: "unionid_required" }, 403);
    }
    const consumed = await this.ctx.store.updateAttempt(
      attempt.id,
      "confirmed",
      { status: "done", unionid },
      this.ctx.now(),
    );
    // Another poll of this browser won the race and carries the session.
    if (!consumed) return this.#status("done");
    const linked = await this.ctx.store.linkIdentity({
      appid: this.app.appid,
      openid,
      unionid,
      profile: undefined,
      now: this.ctx.now(),
    });
    if (!(await admitLogin(this.ctx, linked, undefined, request))) {
      return json({ error: "login_denied" }, 403, [this.ctx.cookies.clearPreLogin()]);
    }
    const sessionCookie = await this.ctx.sessions.start(
      request,
      { userId: linked.user.id, appid: this.app.appid, openid },
      async () => undefined,
    );
    this.ctx.log?.info(
      {
        event: "login_completed",
        userId: linked.user.id,
        appid: this.app.appid,
        created: linked.created,
        via: attempt.kind,
      },
      "logged in",
    );
    return json({ status: "confirmed", redirect: safeReturnTo(attempt.returnTo, this.ctx.siteOrigin) }, 200, [
      sessionCookie,
      this.ctx.cookies.clearPreLogin(),
    ]);
  }

  #status(status: PollStatus): Response {
    return json({ status }, 200);
  }

  #upstreamJson(error: WeChatError): Response {
    const rid = logUpstreamFailure(this.ctx.log, error);
    const misconfigured = error instanceof WeChatApiError && error.action === "fix_config";
    return json({ error: misconfigured ? "wechat_misconfigured" : "wechat_unavailable", rid }, 502);
  }

  /**
   * A push, seen by the receiver: a scan of one of our QR codes (spec A.3:
   * `subscribe` with `qrscene_` from a first-time follower, `SCAN` from a
   * returning one), or a text carrying a code. Moves the attempt from
   * `waiting` to `confirmed` once (a retried push finds it moved on).
   * Anything else is not a login's: `undefined`, for the app's hook.
   */
  async onPush(event: MpEvent): Promise<PushOutcome> {
    const now = this.ctx.now();
    if ((event.type === "subscribe" || event.type === "scan") && event.scene !== undefined) {
      if (!this.settings.variants.includes("qr")) return undefined;
      const attempt = await this.ctx.store.findAttempt(KIND.qr, this.app.appid, event.scene, now);
      if (!attempt) return undefined;
      // Spec A.7 §2: the ticket the push names must be the one this attempt's QR was made with.
      if (event.ticket !== attempt.ticket) {
        this.ctx.log?.warn({ event: "follow_push_ignored", reason: "ticket_mismatch" }, "push ignored");
        return { reply: undefined };
      }
      return this.#confirm(attempt, event.openid, now);
    }
    if (
      event.type === "text" &&
      this.settings.variants.includes("code") &&
      CODE_PATTERN.test(event.content)
    ) {
      const limited = await this.#codeLimited(event.openid, event.content);
      if (limited) return { reply: REPLIES.tooMany };
      const attempt = await this.ctx.store.findAttempt(KIND.code, this.app.appid, event.content, now);
      if (attempt?.status !== "waiting") return { reply: REPLIES.unknownCode };
      return this.#confirm(attempt, event.openid, now);
    }
    return undefined;
  }

  async #codeLimited(openid: string, code: string): Promise<boolean> {
    const [byOpenid, byCode] = await Promise.all([
      this.ctx.store.consumeRateLimit(CODE_RULES.perOpenid, `${this.app.appid}:${openid}`),
      this.ctx.store.consumeRateLimit(CODE_RULES.perCode, `${this.app.appid}:${code}`),
    ]);
    if (byOpenid.allowed && byCode.allowed) return false;
    this.ctx.log?.warn(
      { event: "follow_push_limited", by: byOpenid.allowed ? "code" : "openid" },
      "code limited",
    );
    return true;
  }

  async #confirm(attempt: LoginAttemptRecord, openid: string, now: number): Promise<PushOutcome> {
    const confirmed = await this.ctx.store.updateAttempt(
      attempt.id,
      "waiting",
      { status: "confirmed", openid },
      now,
    );
    if (!confirmed) {
      this.ctx.log?.info({ event: "follow_push_ignored", reason: "attempt_moved_on" }, "push ignored");
      return { reply: undefined };
    }
    this.ctx.log?.info(
      { event: "follow_confirmed", appid: this.app.appid, via: attempt.kind },
      "attempt confirmed",
    );
    return { reply: REPLIES.confirmed(this.settings.siteName, now) };
  }
}

/** The passive replies (spec A.7 §4): the site and the time, so a relayed QR is noticed by its victim. */
const REPLIES = {
  confirmed: (site: string, now: number) =>
    `你正在登录 ${site}（${shanghaiTime(now)}），请回到网页继续。如果这不是你本人的操作，请忽略本消息，不要把二维码或登录码转给别人。\n` +
    `You are logging in to ${site}. If this was not you, ignore this message.`,
  unknownCode: "登录码无效或已过期，请在网页上重新获取。\nThis login code is invalid or expired.",
  tooMany: "尝试次数过多，请稍后再试。\nToo many attempts; please try again later.",
};

/** WeChat's users read Beijing time, whatever the server's zone. */
function shanghaiTime(now: number): string {
  return new Intl.DateTimeFormat("zh-CN", {
    timeZone: "Asia/Shanghai",
    dateStyle: "short",
    timeStyle: "medium",
    hour12: false,
  }).format(now);
}
