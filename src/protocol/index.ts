/**
 * `wechat-login/protocol`: WeChat's login protocol as data — URL builders,
 * the errcode table, typed errors, message crypto, open data. An explicit
 * list: the zod schemas and decoding helpers stay internal, so a new zod
 * major is not a breaking change of ours.
 */
export {
  describeErrcode,
  ERRCODES,
  type ErrcodeAction,
  type ErrcodeInfo,
  type ErrcodeReason,
} from "./errcodes.js";
export {
  ConfigError,
  ErrorCode,
  InvalidArgumentError,
  MiniProgramLoginRequired,
  OpenDataDecryptError,
  OpenDataError,
  OpenDataSignatureError,
  OpenDataWatermarkError,
  PushCryptoError,
  PushError,
  type PushErrorNumber,
  PushFormatError,
  PushRecipientError,
  PushSignatureError,
  ReauthorizationRequired,
  RefreshWaitTimeoutError,
  WeChatApiError,
  WeChatError,
  WeChatHttpError,
  WeChatLoginError,
  WeChatNetworkError,
  WeChatProtocolError,
  WeChatTimeoutError,
} from "./errors.js";
export {
  DEFAULT_API_BASE,
  DEFAULT_MP_BASE,
  DEFAULT_OPEN_BASE,
  DEFAULT_WXLOGIN_SCRIPT,
  type Endpoint,
  PATHS,
} from "./hosts.js";
export {
  assertScene,
  decodeWxaCode,
  type WxaCodeImage,
  type WxaCodeOptions,
  type WxaEnvVersion,
  wxaCodeRequestBody,
} from "./miniprogram.js";
export {
  type FollowerInfo,
  MAX_QR_EXPIRE_SECONDS,
  type QrCode,
  type QrCodeCreateBody,
  type QrCodeOptions,
  qrCodeCreateBody,
  showQrCodeUrl,
} from "./mp.js";
export {
  type DecryptedMessage,
  decodeEncodingAesKey,
  decryptMessage,
  encryptMessage,
  pushSignature,
  signatureMatches,
} from "./mp-crypto.js";
export {
  MAX_PUSH_BODY_BYTES,
  type MpEvent,
  type MpEventBase,
  type PushFields,
  type PushFormat,
  parsePushBody,
  pushDedupeKey,
  pushFormatOf,
  toMpEvent,
} from "./mp-message.js";
export {
  type OpenedPush,
  openPush,
  PUSH_ACK,
  type PushAccount,
  type PushRequest,
  type SealOptions,
  sealReply,
  textReply,
  verifyServerUrl,
} from "./mp-push.js";
export {
  assertSessionKey,
  type DecryptUserDataOptions,
  decryptUserData,
  type EncryptedUserData,
  type OpenData,
  type SignedUserData,
  sessionKeySignature,
  verifyUserData,
} from "./open-data.js";
export type { Lock, TokenRecord, TokenStore } from "./records.js";
export type {
  AppAccessToken,
  Code2Session,
  OAuthToken,
  ResetSessionKey,
  ResponseOf,
  Scope,
  UserInfo,
  UserPhoneNumber,
  Watermark,
} from "./schemas.js";
export {
  type AuthorizeUrlOptions,
  assertAppid,
  assertRedirectUri,
  assertState,
  authorizeUrl,
  type QrConnectUrlOptions,
  qrConnectUrl,
  type WxLoginOptions,
  type WxLoginOptionsInput,
  wxLoginOptions,
  wxLoginScriptUrl,
} from "./urls.js";
