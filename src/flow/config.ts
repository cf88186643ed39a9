import { z } from "zod";
import { ConfigError } from "../protocol/errors.js";
import { DEFAULT_API_BASE, DEFAULT_MP_BASE, DEFAULT_OPEN_BASE } from "../protocol/hosts.js";
import {
  appidProblem,
  baseUrlProblem,
  encodingAesKeyProblem,
  mpTokenProblem,
  originalIdProblem,
  redirectUriProblem,
  secretProblem,
  wxaPageProblem,
} from "../protocol/identifiers.js";
import type { MpEvent } from "../protocol/mp-message.js";
import type { UserInfo } from "../protocol/schemas.js";
import type { IdentityRecord, Store, UserRecord } from "../stores/types.js";
import { proxyTrust, type TrustProxy } from "./client-address.js";
import type { LoginFlowEvent } from "./events.js";
import { DEFAULT_RATE_LIMITS, type RateLimitOptions } from "./rate-limit.js";

/** What `onLogin` is told about a completed login. */
export interface LoginEvent {
  user: UserRecord;
  identity: IdentityRecord;
  /** The WeChat profile, when the scope allowed reading it (not for snsapi_base). */
  profile: UserInfo | undefined;
  /** True when this login created the user. */
  created: boolean;
  request: Request;
}

/** The subset of a pino logger the flow writes to. */
export interface FlowLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

const rule = (problem: (value: unknown) => string | undefined) =>
  z.string().superRefine((value, context) => {
    const message = problem(value);
    if (message) context.addIssue({ code: "custom", message });
  });
const appidSchema = rule(appidProblem);
const secretSchema = rule(secretProblem);
const baseUrl = rule(baseUrlProblem);
const encodingAesKey = rule(encodingAesKeyProblem);
const seconds = z.number().int().positive();

// Rate limits and trustProxy (issue #11): see rate-limit.ts and client-address.ts.
const window = z.object({ points: seconds, durationSeconds: seconds });
const rateLimitSetting = window.extend({ burst: window.optional() });
const rateLimitSchema = z.union([
  z.literal(false),
  z.object({
    login: z.union([rateLimitSetting, z.literal(false)]).default(DEFAULT_RATE_LIMITS.login),
    callback: z.union([rateLimitSetting, z.literal(false)]).default(DEFAULT_RATE_LIMITS.callback),
    statesPerClient: z.union([seconds, z.literal(false)]).default(DEFAULT_RATE_LIMITS.statesPerClient),
  }),
]);
const trustProxySchema = z
  .union([z.literal(false), z.number().int().nonnegative(), z.string(), z.array(z.string()).readonly()])
  .refine((value) => {
    try {
      proxyTrust(value);
      return true;
    } catch {
      return false;
    }
  }, 'must be false, a hop count, or IP addresses / CIDR ranges / "loopback", "linklocal", "uniquelocal"');

const schema = z.object({
  appid: appidSchema,
  secret: secretSchema,
  redirectUri: rule(redirectUriProblem),
  officialAccount: z
    .object({
      appid: appidSchema,
      secret: secretSchema,
      scope: z.enum(["snsapi_base", "snsapi_userinfo"]).default("snsapi_userinfo"),
      // Follow to log in (issue #14, follow.ts): the push receiver and its settings.
      token: rule(mpTokenProblem).optional(),
      encodingAESKey: encodingAesKey.optional(),
      previousEncodingAESKey: encodingAesKey.optional(),
      originalId: rule(originalIdProblem).optional(),
      followLogin: z
        .object({
          variants: z.array(z.enum(["qr", "code"])).min(1, 'must name "qr", "code" or both'),
          ttlSeconds: seconds.min(60).max(1800).default(300),
          siteName: z.string().min(1).max(40).optional(),
        })
        .optional(),
      onEvent: z.custom<(event: MpEvent) => unknown>((value) => typeof value === "function").optional(),
    })
    .superRefine((account, context) => {
      const need = (path: string, message: string) =>
        context.addIssue({ code: "custom", path: [path], message });
      if ((account.followLogin || account.onEvent) && account.token === undefined) {
        need("token", "is required to receive the Official Account's pushes (followLogin, onEvent)");
      }
      if (account.previousEncodingAESKey !== undefined && account.encodingAESKey === undefined) {
        need("encodingAESKey", "is required when previousEncodingAESKey is set");
      }
    })
    .optional(),
  miniProgram: z
    .object({
      appid: appidSchema,
      secret: secretSchema,
      page: rule(wxaPageProblem).default("pages/login/confirm"),
      envVersion: z.enum(["release", "trial", "develop"]).default("release"),
      checkPath: z.boolean().default(true),
      siteName: z.string().trim().min(1).max(64).optional(),
    })
    .optional(),
  store: z.custom<Store>(
    (value) =>
      typeof value === "object" && value !== null && typeof (value as Store).consumeState === "function",
    "must be a Store (memoryStore(), sqliteStore(), redisStore() or postgresStore())",
  ),
  sessionSecret: z.string().min(32, "must be at least 32 characters (use a random value)"),
  openBase: baseUrl.default(DEFAULT_OPEN_BASE),
  apiBase: baseUrl.default(DEFAULT_API_BASE),
  mpBase: baseUrl.default(DEFAULT_MP_BASE),
  routePrefix: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'must look like "/auth" (or "" for the root)')
    .default("/auth"),
  stateTtlSeconds: seconds.max(3600).default(600),
  sessionIdleSeconds: seconds.default(7 * 24 * 3600),
  sessionAbsoluteSeconds: seconds.default(30 * 24 * 3600),
  keepTokens: z.boolean().default(false),
  requireUnionid: z.boolean().default(false),
  onLogin: z.custom<(event: LoginEvent) => unknown>((value) => typeof value === "function").optional(),
  logger: z.custom<FlowLogger>((value) => typeof value === "object" && value !== null).optional(),
  accessLog: z.boolean().default(false),
  onEvent: z.custom<(event: LoginFlowEvent) => void>((value) => typeof value === "function").optional(),
  now: z.custom<() => number>((value) => typeof value === "function").optional(),
  upstreamTimeoutMs: z.number().int().positive().default(8000),
  storeTimeoutMs: z.number().int().positive().default(3000),
  rateLimit: rateLimitSchema.default(DEFAULT_RATE_LIMITS),
  trustProxy: trustProxySchema.default(false),
  purgeIntervalSeconds: z.union([seconds, z.literal(false)]).default(60),
});

/**
 * Options of `createLogin`. Validated at start (`parseLoginConfig`): a bad
 * field throws a `ConfigError` that names it.
 * @example
 * const options: LoginOptions = {
 *   appid: process.env.WECHAT_APPID!,
 *   secret: process.env.WECHAT_SECRET!,
 *   redirectUri: "https://example.com/auth/callback",
 *   sessionSecret: process.env.SESSION_SECRET!,
 *   store: await sqliteStore({ filename: "./data/login.db" }),
 * };
 */
export interface LoginOptions {
  /** The website app's AppID from open.weixin.qq.com: `wx` and 16 hex characters, e.g. `"wx0123456789abcdef"`. */
  appid: string;
  /** The website app's AppSecret (at least 16 characters). Never logged nor shown in errors. */
  secret: string;
  /**
   * Where WeChat sends the browser back: this site's `{routePrefix}/callback`,
   * e.g. `"https://example.com/auth/callback"`. Its host must be the app's
   * authorized callback domain; http(s) only, no `#fragment`.
   */
  redirectUri: string;
  /**
   * An Official Account (公众号) for logins inside WeChat's in-app browser,
   * which cannot scan a QR code: such browsers get `/connect/oauth2/authorize`
   * with this app instead of the website app's QR page. WeChat sends them
   * back to the Official Account's own callback, `redirectUri` + `"/mp"`
   * (e.g. `https://example.com/auth/callback/mp`), on the same domain: a
   * state is only accepted at the callback of the app it was issued for.
   */
  officialAccount?:
    | {
        /** The Official Account's AppID, e.g. `"wx0123456789abcdef"`. */
        appid: string;
        /** The Official Account's AppSecret. */
        secret: string;
        /**
         * `"snsapi_userinfo"` (default) asks the user and reads the profile;
         * `"snsapi_base"` is silent and yields only the openid.
         */
        scope?: "snsapi_base" | "snsapi_userinfo" | undefined;
        /**
         * The Token (令牌) of the account's server configuration (服务器配置):
         * 3-32 letters and digits, not the EncodingAESKey. Setting it opens
         * the push receiver at `{routePrefix}/mp/events`, the server URL
         * (服务器地址) to enter in the console.
         */
        token?: string | undefined;
        /**
         * The EncodingAESKey (消息加解密密钥), 43 letters and digits, for the
         * compatible and safe modes. With it, plaintext pushes are refused.
         */
        encodingAESKey?: string | undefined;
        /** The key before the last change, accepted while WeChat may still use it. */
        previousEncodingAESKey?: string | undefined;
        /** The account's original id (原始 ID, `gh_…`): pushes naming another account are refused. */
        originalId?: string | undefined;
        /**
         * Follow the Official Account to log in (`GET {routePrefix}/follow`).
         * `"qr"`: a parametric QR code, for a WeChat-verified service account
         * only; `"code"`: a short code the user sends as a message, for any
         * account. The first variant is the default of `/follow`.
         */
        followLogin?:
          | {
              variants: ("qr" | "code")[];
              /** How long an attempt lives, in seconds (60-1800). Default 300. */
              ttlSeconds?: number | undefined;
              /** Named in the reply the user gets in WeChat. Default: the host of `redirectUri`. */
              siteName?: string | undefined;
            }
          | undefined;
        /**
         * Told about every verified push that is not part of a login (a plain
         * follow, an unfollow, a message, a scan of the app's own QR codes).
         * Its result is not awaited and a throw is logged: the
         * acknowledgement to WeChat never waits for it nor fails with it.
         */
        onEvent?: ((event: MpEvent) => unknown) | undefined;
      }
    | undefined;
  /**
   * A mini program (小程序) of the same Open Platform account: `POST {routePrefix}/miniprogram/login`
   * turns its `wx.login()` code into a bearer session, its users are linked by unionid to the
   * website's, and the website offers "scan the mini-program code" (docs/miniprogram.md).
   */
  miniProgram?:
    | {
        /** The mini program's AppID, e.g. `"wx0123456789abcdef"`. */
        appid: string;
        /** The mini program's AppSecret. */
        secret: string;
        /** The page the website's mini-program code opens, with `query.scene`. Default `"pages/login/confirm"`. */
        page?: string | undefined;
        /** Which build that code opens. Default `"release"`; `"develop"` or `"trial"` while testing. */
        envVersion?: "release" | "trial" | "develop" | undefined;
        /** Refuse a page the published mini program does not have (WeChat's 41030). Default true. */
        checkPath?: boolean | undefined;
        /** The site's name on the mini program's confirm screen. Default: the host of `redirectUri`. */
        siteName?: string | undefined;
      }
    | undefined;
  /** Where states, sessions, users and tokens live: `memoryStore()`, `sqliteStore()`, `redisStore()` or `postgresStore()`. */
  store: Store;
  /**
   * At least 32 random characters (e.g. `openssl rand -hex 32`); the key that
   * encrypts stored WeChat tokens. Keep it secret and the same on every instance.
   */
  sessionSecret: string;
  /** WeChat's OPEN host (QR pages). Default `"https://open.weixin.qq.com"`; the emulator's URL in development. */
  openBase?: string | undefined;
  /** WeChat's API host (`/sns/…`). Default `"https://api.weixin.qq.com"`; the emulator's URL in development. */
  apiBase?: string | undefined;
  /** WeChat's Official Account host (`showqrcode` images). Default `"https://mp.weixin.qq.com"`; the emulator's URL in development. */
  mpBase?: string | undefined;
  /** The path the login routes live under. Default `"/auth"`; `""` for the root. */
  routePrefix?: string | undefined;
  /** How long a started login may take before it must start over, in seconds. Default 600 (10 minutes), at most 3600. */
  stateTtlSeconds?: number | undefined;
  /** A session ends after this many seconds without a request. Default 604800 (7 days). */
  sessionIdleSeconds?: number | undefined;
  /** A session ends this many seconds after login, however active. Default 2592000 (30 days). */
  sessionAbsoluteSeconds?: number | undefined;
  /**
   * Store the user's WeChat access and refresh tokens (encrypted with a key
   * derived from `sessionSecret`) to call WeChat for them later through
   * `login.tokens(appid)`. Default false.
   */
  keepTokens?: boolean | undefined;
  /**
   * Refuse a login that brings no `unionid` (a clear page; no user is created
   * or matched). Turn it on when your users must be one account across all
   * your apps of one Open Platform (开放平台) account: a login without a
   * unionid then never falls back to a per-app openid account. Default false.
   */
  requireUnionid?: boolean | undefined;
  /**
   * Called after WeChat confirmed the user and before the session starts: map
   * the identity to the app's own user here. Throwing refuses the login (a 403 page).
   */
  onLogin?: ((event: LoginEvent) => unknown) | undefined;
  /**
   * Where the flow logs its events (a pino logger fits). Without one, only a
   * configuration-class WeChat failure (wrong AppID or AppSecret: errcode
   * 40001, 40013, 40125) is reported, once per errcode, as one `console.error` line.
   */
  logger?: FlowLogger | undefined;
  /**
   * Log one line per request the login routes answer through `logger`
   * (`event: "request"`, method, path, status, duration), with `code`,
   * `state` and tokens redacted from the path. Default false.
   */
  accessLog?: boolean | undefined;
  /**
   * Told about each step of a login as it happens (the authorize redirect,
   * the callback, the code exchange, the userinfo call, the session), each
   * with its time; secrets masked (`LoginFlowEvent`). What the demo's "what
   * just happened" panel shows. Must not throw; a throw is logged and ignored.
   */
  onEvent?: ((event: LoginFlowEvent) => void) | undefined;
  /** The clock, in milliseconds since the epoch. Default `Date.now`; tests pass a fake one. */
  now?: (() => number) | undefined;
  /** Total deadline for one WeChat call during the callback, in milliseconds. Default 8000. */
  upstreamTimeoutMs?: number | undefined;
  /** Deadline for one store operation, in milliseconds; a slower store answers 503 (it is given at least 80 % of it). Default 3000. */
  storeTimeoutMs?: number | undefined;
  /**
   * Limits per client IP on the login routes, answered with 429, `Retry-After`
   * and a zh-CN/en page. Counted in `store`, so every instance on it shares
   * the count. Defaults (see {@link RateLimitOptions}) suit an office of a few
   * hundred people behind one NAT address; `false` switches all of them off.
   * A store that is down answers 503, as every login route does.
   * @example
   * createLogin({ ...options, rateLimit: { login: { points: 30, durationSeconds: 60 }, callback: false } });
   */
  rateLimit?: RateLimitOptions | false | undefined;
  /**
   * Which proxies in front of the app to believe: the client IP (for rate
   * limits) is read from `X-Forwarded-For` right to left past the trusted hops,
   * and the node adapter takes the scheme from `X-Forwarded-Proto`, only when
   * the proxy that connected is trusted. Default `false`: the socket's address,
   * headers ignored. Behind one nginx or load balancer: `1`; or the proxies'
   * addresses: `["10.0.0.0/8"]`, `"loopback"`.
   */
  trustProxy?: TrustProxy | undefined;
  /**
   * The flow runs `store.purgeExpired` from its own requests at most this often,
   * in seconds, so expired states and counters are swept on every store.
   * Default 60; `false` when the app schedules the purge itself.
   */
  purgeIntervalSeconds?: number | false | undefined;
}

/** True only when A and B are the same type (not merely assignable to each other). */
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// Fails to compile when LoginOptions and the schema drift apart: the schema validates, the interface documents.
true satisfies Equals<LoginOptions, z.input<typeof schema>>;

/** Options after validation and defaults. */
export type LoginConfig = z.output<typeof schema>;

/** Validates login options; throws a `ConfigError` naming the first bad field, never echoing a secret. */
export function parseLoginConfig(options: LoginOptions): LoginConfig {
  const result = schema.safeParse(options);
  if (result.success) return result.data;
  throw toConfigError(options, result.error.issues[0]!);
}

/**
 * Every bad field of the options but `store`, not only the first: for tools
 * such as `wechat-login start` that report all of them at once. Empty when valid.
 */
export function loginOptionIssues(options: Omit<LoginOptions, "store">): ConfigError[] {
  const result = schema.omit({ store: true }).safeParse(options);
  return result.success ? [] : result.error.issues.map((issue) => toConfigError(options, issue));
}

function toConfigError(options: object, issue: z.core.$ZodIssue): ConfigError {
  const field = issue.path.join(".") || "options";
  const missing = valueAt(options, issue.path) === undefined;
  return new ConfigError(field, missing ? "is required" : issue.message);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
