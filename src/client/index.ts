/**
 * `wechat-login/client`: talks to WeChat's login API over HTTP.
 *
 * @example
 * import { UserTokens, WeChatClient } from "wechat-login/client";
 *
 * const client = new WeChatClient({ appid: "wx0123456789abcdef", secret: process.env.WECHAT_SECRET! });
 * const tokens = new UserTokens({ client });
 * await tokens.save(await client.exchangeCode(code));
 */
export type {
  AppAccessToken,
  AuthorizeUrlOptions,
  Code2Session,
  DecryptUserDataOptions,
  EncryptedUserData,
  ErrcodeAction,
  ErrcodeInfo,
  ErrcodeReason,
  FollowerInfo,
  Lock,
  OAuthToken,
  OpenData,
  QrCode,
  QrCodeOptions,
  QrConnectUrlOptions,
  ResetSessionKey,
  Scope,
  SignedUserData,
  TokenRecord,
  TokenStore,
  UserInfo,
  UserPhoneNumber,
  Watermark,
  WxaCodeImage,
  WxaCodeOptions,
  WxaEnvVersion,
  WxLoginOptions,
  WxLoginOptionsInput,
} from "../protocol/index.js";
export {
  authorizeUrl,
  ConfigError,
  decryptUserData,
  describeErrcode,
  ERRCODES,
  ErrorCode,
  InvalidArgumentError,
  OpenDataDecryptError,
  OpenDataError,
  OpenDataSignatureError,
  OpenDataWatermarkError,
  PushCryptoError,
  PushError,
  PushFormatError,
  PushRecipientError,
  PushSignatureError,
  qrConnectUrl,
  ReauthorizationRequired,
  RefreshWaitTimeoutError,
  verifyUserData,
  WeChatApiError,
  WeChatError,
  WeChatHttpError,
  WeChatLoginError,
  WeChatNetworkError,
  WeChatProtocolError,
  WeChatTimeoutError,
  wxLoginOptions,
} from "../protocol/index.js";
export { AppCredential, type AppCredentialOptions } from "./app-credential.js";
export { type CallOptions, type UserInfoOptions, WeChatClient } from "./client.js";
export type { RetryOptions, TimeoutOptions, WeChatClientOptions } from "./config.js";
export type { PoolStats } from "./http.js";
export { type MemoryTokenStoreOptions, memoryTokenStore } from "./memory-token-store.js";
export { MiniProgramClient, type MiniProgramClientOptions } from "./mini-program.js";
export {
  createQrCode,
  getFollowerInfo,
  OfficialAccount,
  type OfficialAccountOptions,
} from "./official-account.js";
export type { TokenRefreshOptions } from "./token-refresh.js";
export { UserTokens, type UserTokensOptions } from "./user-tokens.js";
