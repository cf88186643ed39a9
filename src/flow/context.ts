import type { TokenManager, WeChatClient } from "../client/index.js";
import type { Store } from "../stores/types.js";
import type { FlowLogger, LoginConfig } from "./config.js";
import type { CookiePolicy } from "./cookies.js";
import type { PageKind } from "./pages.js";

/** One of the login's WeChat apps: the website app, or the official account used inside WeChat. */
export interface AppClient {
  appid: string;
  client: WeChatClient;
}

/** What every route of one login shares, built once by `createLogin`. */
export interface FlowContext {
  readonly config: LoginConfig;
  readonly now: () => number;
  readonly store: Store;
  readonly cookies: CookiePolicy;
  readonly log: FlowLogger | undefined;
  readonly website: AppClient;
  readonly officialAccount: AppClient | undefined;
  /** Bounds a store call by `storeTimeoutMs`; its failure becomes a 503. */
  guard<T>(operation: Promise<T>): Promise<T>;
  tokensOf(appid: string): TokenManager;
  page(request: Request, kind: PageKind, status: number, reference?: string): Response;
}

/** WeChat's in-app browser announces itself so in its user agent. */
export const WECHAT_UA = /MicroMessenger/i;
