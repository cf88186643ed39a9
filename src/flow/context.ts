import type { UserTokens, WeChatClient } from "../client/index.js";
import type { Store } from "../stores/types.js";
import type { FlowLogger, LoginConfig } from "./config.js";
import type { CookiePolicy } from "./cookies.js";
import type { MiniProgramApp } from "./mini-program.js";
import type { PageKind } from "./pages.js";
import type { Sessions } from "./sessions.js";
import type { LoginSession } from "./types.js";

/**
 * One of the login's WeChat apps: the website app (QR), or the official
 * account used inside WeChat. Each has its own callback route, so a state
 * issued for one app is never accepted at the other's (RFC 9700 §4.4, mix-up).
 */
export interface LoginApp {
  readonly kind: "website" | "officialAccount";
  readonly appid: string;
  readonly client: WeChatClient;
  /** Where WeChat sends the browser back for this app. */
  readonly redirectUri: string;
  /** The route under the prefix that receives that redirect: `/callback` or `/callback/mp`. */
  readonly callbackRoute: string;
  /** WeChat's page that asks the user, for one state; `lang` picks the QR page's language (website app only). */
  authorizeUrl(state: string, lang?: "cn" | "en"): string;
}

/** What every route of one login shares, built once by `createLogin`. */
export interface FlowContext {
  readonly config: LoginConfig;
  readonly now: () => number;
  /** The app's store, every call bounded by `storeTimeoutMs` and failing as `StoreUnavailable` (a 503). */
  readonly store: Store;
  readonly cookies: CookiePolicy;
  readonly sessions: Sessions;
  readonly log: FlowLogger | undefined;
  readonly website: LoginApp;
  readonly officialAccount: LoginApp | undefined;
  /** The mini program, when `miniProgram` is configured. */
  readonly miniProgram: MiniProgramApp | undefined;
  /** The site's public origin (from `redirectUri`): the only origin `returnTo` may name. */
  readonly siteOrigin: string;
  tokensOf(appid: string): UserTokens;
  /**
   * What a callback request ended in, kept beside the request (never on it) for
   * `Login.completeCallback`: the login it completed, or the page it refused with.
   */
  readonly outcomes: WeakMap<Request, RequestOutcome>;
  page(request: Request, kind: PageKind, status: number, reference?: string): Response;
}

/**
 * True inside WeChat's in-app browser, which announces itself in its user
 * agent (and cannot scan a QR code). WeCom's browser says `MicroMessenger`
 * too, with `wxwork`: it has no official-account login, so it gets the QR.
 */
export function isWeChatBrowser(request: Request): boolean {
  const agent = request.headers.get("user-agent") ?? "";
  return /MicroMessenger/i.test(agent) && !/wxwork/i.test(agent);
}

/** See {@link FlowContext.outcomes}. */
export type RequestOutcome =
  | { kind: "completed"; session: LoginSession; returnTo: string }
  | { kind: "page"; page: PageKind };
