import {
  type FollowerInfo,
  PATHS,
  type QrCode,
  type QrCodeOptions,
  qrCodeCreateBody,
} from "../protocol/index.js";
import { appApiParts } from "./app-api.js";
import type { AppCredential } from "./app-credential.js";
import { assertLang, assertOpaque, assertOpenid } from "./arguments.js";
import { type CallOptions, callThrough, type UserInfoOptions, type WeChatClient } from "./client.js";

/**
 * Creates a temporary parametric QR code (spec A.1) with an app access token.
 * Needs a WeChat-verified service account: others get `WeChatApiError` 48001,
 * whose hint names the code-by-message login. Retried like a read on errcode
 * -1: a second ticket for the same scene is harmless.
 * @example
 * const qr = await createQrCode(client, accessToken, { sceneStr, expireSeconds: 300 });
 */
export function createQrCode(
  client: WeChatClient,
  accessToken: string,
  options: QrCodeOptions,
  call: CallOptions = {},
): Promise<QrCode> {
  assertOpaque(accessToken, "accessToken");
  const json = qrCodeCreateBody(options);
  return callThrough(client, {
    endpoint: "cgi-bin/qrcode/create",
    path: PATHS.qrCodeCreate,
    method: "POST",
    query: [["access_token", accessToken]],
    json,
    policy: "idempotent",
    sensitive: [accessToken],
    signal: call.signal,
  });
}

/**
 * Reads what the Official Account knows of a user (`cgi-bin/user/info`, spec
 * A.6): whether they follow, and their unionid when the account is bound to
 * an Open Platform account. No nickname or avatar.
 * @example
 * const { subscribed, unionid } = await getFollowerInfo(client, accessToken, push.event.openid);
 */
export function getFollowerInfo(
  client: WeChatClient,
  accessToken: string,
  openid: string,
  options: UserInfoOptions = {},
): Promise<FollowerInfo> {
  assertOpaque(accessToken, "accessToken");
  assertOpenid(openid);
  const lang = options.lang ?? "zh_CN";
  assertLang(lang);
  return callThrough(client, {
    endpoint: "cgi-bin/user/info",
    path: PATHS.followerInfo,
    method: "GET",
    query: [
      ["access_token", accessToken],
      ["openid", openid],
      ["lang", lang],
    ],
    policy: "idempotent",
    sensitive: [accessToken],
    signal: options.signal,
  });
}

/**
 * Options of {@link OfficialAccount}.
 * @example
 * const options: OfficialAccountOptions = { client, credential: new AppCredential({ client, store }) };
 */
export interface OfficialAccountOptions {
  /** The client of the Official Account (its appid and secret). */
  client: WeChatClient;
  /** The cluster-wide app credential of the same account (spec A.0: one holder, never a token per QR). */
  credential: Pick<AppCredential, "call">;
}

/**
 * The Official Account calls of follow-to-login on the cluster's app
 * credential: a token WeChat rejects (40001/42001) is refreshed once for the
 * cluster and the call retried once ({@link AppCredential.call}).
 * @example
 * const account = new OfficialAccount({ client, credential });
 * const qr = await account.createQrCode({ sceneStr, expireSeconds: 300 });
 * const follower = await account.getFollowerInfo(openid);
 */
export class OfficialAccount {
  readonly #client: WeChatClient;
  readonly #credential: Pick<AppCredential, "call">;

  constructor(options: OfficialAccountOptions) {
    ({ client: this.#client, credential: this.#credential } = appApiParts(options));
  }

  /** {@link createQrCode} with the cluster's app token. */
  createQrCode(options: QrCodeOptions, call: CallOptions = {}): Promise<QrCode> {
    return this.#credential.call((token) => createQrCode(this.#client, token, options, call), call);
  }

  /** {@link getFollowerInfo} with the cluster's app token. */
  getFollowerInfo(openid: string, options: UserInfoOptions = {}): Promise<FollowerInfo> {
    return this.#credential.call((token) => getFollowerInfo(this.#client, token, openid, options), options);
  }
}
