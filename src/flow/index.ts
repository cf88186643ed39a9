export { type AccessLogEntry, accessLogEntry, redactHeaders, redactUrl } from "./access-log.js";
export { clientKey, type ProxyTrust, proxyTrust, type TrustProxy } from "./client-address.js";
export type { FlowLogger, LoginConfig, LoginEvent, LoginOptions } from "./config.js";
export { loginOptionIssues, parseLoginConfig } from "./config.js";
export type { LoginFlowEvent, LoginStep } from "./events.js";
export { createLogin } from "./handler.js";
export { type Lang as PageLanguage, pickLang } from "./pages.js";
export {
  RateLimited,
  type RateLimitOptions,
  type RateLimitSetting,
} from "./rate-limit.js";
export { safeReturnTo } from "./return-to.js";
export { StoreUnavailable } from "./store-guard.js";
export type {
  ClientConnection,
  EmbeddedLogin,
  Login,
  LoginSession,
  MiniProgramLogin,
  RequireSessionOptions,
} from "./types.js";
