import { ErrorCode, WeChatLoginError } from "../protocol/errors.js";
import type { RateLimitRule, Store } from "../stores/types.js";
import { clientKey, type ProxyTrust } from "./client-address.js";
import type { FlowLogger, LoginConfig } from "./config.js";
import type { PageKind } from "./pages.js";
import { cookiesOf, json, statusOf, withCookies, withHeader } from "./responses.js";
import type { ClientConnection } from "./types.js";

/**
 * One limit per client: `points` requests per `durationSeconds`, plus an
 * optional `burst` reserve for peaks — a store's counter rule without its name.
 */
export type RateLimitSetting = Omit<RateLimitRule, "name">;

/**
 * The `rateLimit` option: limits per client IP (an IPv6 client by its /64),
 * counted in the store so every instance sharing it shares the count.
 */
export interface RateLimitOptions {
  /**
   * Login starts: `GET {prefix}/login`, `{prefix}/qr` and `login.embeddedLogin()`.
   * Default 100 per 60 s, plus a burst of 100 per 600 s. `false`: no limit.
   */
  login?: RateLimitSetting | false | undefined;
  /**
   * Refused callbacks: `GET {prefix}/callback` and the mini-program's login calls answered 4xx (a state
   * unknown, used or another browser's, a code WeChat refused). A login that succeeds is not counted: it
   * spent a state that `login` counted, or a code WeChat gave a real user.
   * Default 100 per 60 s, plus a burst of 100 per 600 s. `false`: no limit.
   */
  callback?: RateLimitSetting | false | undefined;
  /**
   * The most logins one client may start per `stateTtlSeconds`, which bounds
   * the states it can hold in the store at once (at most twice this: the
   * windows are fixed, states live one window). Default 500. `false`: no cap.
   */
  statesPerClient?: number | false | undefined;
}

const everyTenMinutes = { points: 100, durationSeconds: 600 };

/** Loose enough for an office of a few hundred people behind one NAT address. */
export const DEFAULT_RATE_LIMITS = {
  login: { points: 100, durationSeconds: 60, burst: everyTenMinutes },
  callback: { points: 100, durationSeconds: 60, burst: everyTenMinutes },
  statesPerClient: 500,
} as const satisfies RateLimitOptions;

/** Thrown by `login.embeddedLogin()` when the client started too many logins; answer 429 with `Retry-After`. */
export class RateLimited extends WeChatLoginError {
  readonly code = ErrorCode.RateLimited;
  constructor(
    /** Seconds until the client may try again: send it as `Retry-After`. */
    readonly retryAfterSeconds: number,
  ) {
    super(
      `Too many login attempts from this client; retry after ${retryAfterSeconds} s`,
      "Answer 429 with this Retry-After; raise rateLimit if many users share one address (a NAT), or set trustProxy behind a proxy.",
    );
  }
}

interface Deps {
  config: LoginConfig;
  store: Store;
  trust: ProxyTrust;
  log: FlowLogger | undefined;
  page(request: Request, kind: PageKind, status: number): Response;
}

/** Per-client limits of the login routes, and their 429 answers. */
export class LoginLimits {
  private readonly startRules: readonly RateLimitRule[];
  private readonly callbackRules: readonly RateLimitRule[];
  /** `rule client` → until when this instance saw the store refuse it: refused again here without a store call. */
  private readonly refusedUntil = new Map<string, number>();
  private unknownReported = false;

  constructor(private readonly deps: Deps) {
    const settings = deps.config.rateLimit;
    const rule = (name: string, setting: RateLimitSetting | false | undefined) =>
      setting ? [{ name, ...setting }] : [];
    this.startRules = settings
      ? [
          ...rule("login", settings.login),
          ...rule(
            "states",
            settings.statesPerClient
              ? { points: settings.statesPerClient, durationSeconds: deps.config.stateTtlSeconds }
              : undefined,
          ),
        ]
      : [];
    this.callbackRules = settings ? rule("callback", settings.callback) : [];
  }

  /**
   * Before the route runs: a 429 answer, or undefined when it may go on. A start is counted now. A
   * callback is counted once it is refused ({@link settle}), so here it is refused only while this
   * instance holds the store's refusal of the client: no store call. Undefined at once, not a
   * promise of it, when there is nothing to look up (every callback while nobody is refused here).
   */
  admit(
    request: Request,
    limit: "start" | "callback",
    client: ClientConnection,
    alwaysJson: boolean,
  ): Promise<Response | undefined> | undefined {
    const rules = this.rulesOf(limit);
    // Nobody refused here yet: a callback has nothing to look up.
    if (rules.length === 0 || (limit === "callback" && this.refusedUntil.size === 0)) return undefined;
    return this.#admitClient(request, limit, rules, client, alwaysJson);
  }

  async #admitClient(
    request: Request,
    limit: "start" | "callback",
    rules: readonly RateLimitRule[],
    client: ClientConnection,
    alwaysJson: boolean,
  ): Promise<Response | undefined> {
    const key = this.keyOf(request, client.remoteAddress);
    const retryAfter = limit === "start" ? await this.retryAfter(rules, key) : this.refusedHere(rules, key);
    return retryAfter === undefined ? undefined : this.tooMany(request, retryAfter, alwaysJson);
  }

  /**
   * After the route: its answer, or a 429 carrying the answer's cookies when the answer refused a
   * callback and that put the client over the limit. Only refusals (4xx) count: any other callback
   * answer spent a state the start's limit counted, or a code WeChat gave a real user, so counting it
   * too would only cost a store write per login. Such an answer comes back as it is, not in a promise.
   */
  settle(
    request: Request,
    limit: "start" | "callback",
    client: ClientConnection,
    alwaysJson: boolean,
    answered: Response,
  ): Response | Promise<Response> {
    const rules = this.callbackRules;
    if (limit !== "callback" || rules.length === 0) return answered;
    const status = statusOf(answered);
    if (status < 400 || status >= 500) return answered;
    return this.#countRefusal(request, rules, client, alwaysJson, answered);
  }

  async #countRefusal(
    request: Request,
    rules: readonly RateLimitRule[],
    client: ClientConnection,
    alwaysJson: boolean,
    answered: Response,
  ): Promise<Response> {
    const retryAfter = await this.retryAfter(rules, this.keyOf(request, client.remoteAddress));
    if (retryAfter === undefined) return answered;
    return withCookies(this.tooMany(request, retryAfter, alwaysJson), cookiesOf(answered));
  }

  /** For `embeddedLogin`: throws {@link RateLimited} when this client may not start another login now. */
  async admitStart(request: Request, remoteAddress: string | undefined): Promise<void> {
    const rules = this.startRules;
    if (rules.length === 0) return;
    const retryAfter = await this.retryAfter(rules, this.keyOf(request, remoteAddress));
    if (retryAfter !== undefined) throw new RateLimited(retryAfter);
  }

  private rulesOf(limit: "start" | "callback"): readonly RateLimitRule[] {
    return limit === "start" ? this.startRules : this.callbackRules;
  }

  /** Seconds to wait: this instance's refusal while it lasts, else the store's count of this hit. */
  private async retryAfter(rules: readonly RateLimitRule[], key: string): Promise<number | undefined> {
    return this.refusedHere(rules, key) ?? (await this.hit(rules, key));
  }

  /** Seconds left of the longest refusal this instance holds for the client on these rules. */
  private refusedHere(rules: readonly RateLimitRule[], key: string): number | undefined {
    if (this.refusedUntil.size === 0) return undefined;
    const now = Date.now();
    let until = 0;
    for (const rule of rules) until = Math.max(until, this.refusedUntil.get(`${rule.name} ${key}`) ?? 0);
    return until > now ? Math.max(1, Math.ceil((until - now) / 1000)) : undefined;
  }

  /** Seconds to wait when any rule refuses, else undefined. Every rule counts the hit, refused or not. */
  private async hit(rules: readonly RateLimitRule[], key: string): Promise<number | undefined> {
    const verdicts = await Promise.all(rules.map((rule) => this.deps.store.consumeRateLimit(rule, key)));
    let retryAfterMs: number | undefined;
    verdicts.forEach((verdict, index) => {
      if (verdict.allowed) return;
      retryAfterMs = Math.max(retryAfterMs ?? 0, verdict.retryAfterMs);
      this.refused(rules[index]!.name, key, verdict.retryAfterMs);
    });
    return retryAfterMs === undefined ? undefined : Math.max(1, Math.ceil(retryAfterMs / 1000));
  }

  private keyOf(request: Request, remoteAddress: string | undefined): string {
    const address = this.deps.trust.clientAddress(remoteAddress, request.headers.get("x-forwarded-for"));
    const key = clientKey(address);
    if (key === "unknown" && !this.unknownReported && this.deps.config.rateLimit) {
      this.unknownReported = true;
      this.deps.log?.warn(
        { event: "client_address_unknown" },
        "a login request came without a client address: pass { remoteAddress } to login.handle() or set trustProxy; such requests share one rate-limit count",
      );
    }
    return key;
  }

  private tooMany(request: Request, retryAfterSeconds: number, alwaysJson: boolean): Response {
    const wantsJson = alwaysJson || (request.headers.get("accept") ?? "").includes("application/json");
    const response = wantsJson
      ? json({ error: "rate_limited", retryAfterSeconds }, 429)
      : this.deps.page(request, "rate_limited", 429);
    return withHeader(response, "retry-after", String(retryAfterSeconds));
  }

  /** Remembers the store's refusal until it ends, with one warning per client and rule per window on this instance. */
  private refused(rule: string, key: string, retryAfterMs: number): void {
    const id = `${rule} ${key}`;
    const now = Date.now();
    if ((this.refusedUntil.get(id) ?? 0) > now) return;
    // A flood from many addresses must not grow this map without bound.
    if (this.refusedUntil.size >= 10_000) {
      for (const [seen, until] of this.refusedUntil) if (until <= now) this.refusedUntil.delete(seen);
      if (this.refusedUntil.size >= 10_000) this.refusedUntil.clear();
    }
    this.refusedUntil.set(id, now + retryAfterMs);
    this.deps.log?.warn(
      { event: "rate_limited", rule, client: key, retryAfterSeconds: Math.ceil(retryAfterMs / 1000) },
      "client over the login rate limit",
    );
  }
}
