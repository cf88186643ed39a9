import {
  assertSessionKey,
  decodeWxaCode,
  PATHS,
  type ResetSessionKey,
  type ResponseOf,
  sessionKeySignature,
  type UserPhoneNumber,
  type WxaCodeImage,
  type WxaCodeOptions,
  wxaCodeRequestBody,
} from "../protocol/index.js";
import { appApiParts } from "./app-api.js";
import type { AppCredential } from "./app-credential.js";
import { assertOpaque, assertOpenid } from "./arguments.js";
import { type CallOptions, callThrough, type WeChatClient } from "./client.js";
import type { RetryPolicy } from "./retry.js";

/**
 * Options of {@link MiniProgramClient}.
 * @example
 * const options: MiniProgramClientOptions = { client, credential: new AppCredential({ client, store }) };
 */
export interface MiniProgramClientOptions {
  /** The mini program's client (its appid and secret). */
  client: WeChatClient;
  /** The cluster's app credential of the same app: every call here needs the app access_token. */
  credential: Pick<AppCredential, "call">;
}

/**
 * The mini-program calls that run on the app credential (spec §3 B.2–B.5):
 * wxacodes, phone numbers and session_key checks. Each takes the access token
 * from `credential.call`, so a rejected app token is refreshed once for the
 * whole cluster and the call retried once. `code2Session` stays on the client.
 *
 * @example
 * import { AppCredential, MiniProgramClient, WeChatClient } from "wechat-login/client";
 *
 * const client = new WeChatClient({ appid, secret });
 * const mini = new MiniProgramClient({ client, credential: new AppCredential({ client, store }) });
 * const { image } = await mini.getWxaCodeUnlimited({ scene: attemptId, page: "pages/login/confirm" });
 */
export class MiniProgramClient {
  readonly #client: WeChatClient;
  readonly #credential: Pick<AppCredential, "call">;

  constructor(options: MiniProgramClientOptions) {
    ({ client: this.#client, credential: this.#credential } = appApiParts(options));
  }

  /**
   * A wxacode (小程序码) that opens `page` with `query.scene` (spec B.5). WeChat
   * answers the image on success and JSON on failure; the two are told apart by
   * content, and each errcode (40169 bad scene, 41030 unknown page, …) is a `WeChatApiError`.
   * @example
   * const { contentType, image } = await mini.getWxaCodeUnlimited({ scene: "a1B2c3", page: "pages/login/confirm" });
   */
  async getWxaCodeUnlimited(options: WxaCodeOptions, call: CallOptions = {}): Promise<WxaCodeImage> {
    const body = wxaCodeRequestBody(options);
    const endpoint = "wxa/getwxacodeunlimit";
    return this.#credential.call(
      (accessToken) =>
        callThrough(this.#client, {
          endpoint,
          path: PATHS.wxaCodeUnlimited,
          method: "POST",
          query: [["access_token", accessToken]],
          json: body,
          binary: true,
          // Drawing the same code twice is harmless: safe to retry.
          policy: "idempotent",
          sensitive: [accessToken],
          signal: call.signal,
          decode: (response) =>
            decodeWxaCode(response.status, response.bodyBytes ?? new Uint8Array(), [accessToken]),
        }),
      call,
    );
  }

  /**
   * The user's phone number from the `code` of `<button open-type="getPhoneNumber">`
   * (spec B.4): single-use, 5 minutes, and not the `wx.login` code. Never
   * retried once sent, like a login code.
   * @example
   * const { phoneNumber, countryCode } = await mini.getUserPhoneNumber(code);
   */
  async getUserPhoneNumber(code: string, call: CallOptions = {}): Promise<UserPhoneNumber> {
    assertOpaque(code, "code");
    return this.#credential.call(
      (accessToken) =>
        callThrough(this.#client, {
          endpoint: "wxa/business/getuserphonenumber",
          path: PATHS.userPhoneNumber,
          method: "POST",
          query: [["access_token", accessToken]],
          json: { code },
          policy: "single-use",
          sensitive: [accessToken, code],
          signal: call.signal,
        }),
      call,
    );
  }

  /**
   * Whether `sessionKey` is still the user's current one (spec B.2): resolves
   * `true`, or throws `WeChatApiError` 87009 (reason `session_key_invalid`) once a
   * later `wx.login` replaced it.
   * @example
   * await mini.checkSession(openid, sessionKey);
   */
  checkSession(openid: string, sessionKey: string, call: CallOptions = {}): Promise<true> {
    return this.#sessionKeyCall(
      "wxa/checksession",
      PATHS.checkSession,
      "idempotent",
      openid,
      sessionKey,
      call,
    );
  }

  /**
   * Replaces the user's session_key with a new one (spec B.2) and returns it;
   * the old one stops working. It keeps the old expiry. Never retried once
   * sent: a second reset would replace the key just returned.
   * @example
   * const { sessionKey: fresh } = await mini.resetUserSessionKey(openid, sessionKey);
   */
  resetUserSessionKey(openid: string, sessionKey: string, call: CallOptions = {}): Promise<ResetSessionKey> {
    return this.#sessionKeyCall(
      "wxa/resetusersessionkey",
      PATHS.resetSessionKey,
      "single-use",
      openid,
      sessionKey,
      call,
    );
  }

  /** A call signed with the user's session_key (spec B.2): only its HMAC leaves. Async, so a bad argument rejects rather than throws. */
  async #sessionKeyCall<E extends "wxa/checksession" | "wxa/resetusersessionkey">(
    endpoint: E,
    path: string,
    policy: RetryPolicy,
    openid: string,
    sessionKey: string,
    call: CallOptions,
  ): Promise<ResponseOf<E>> {
    assertOpenid(openid);
    assertSessionKey(sessionKey);
    const signature = sessionKeySignature(sessionKey);
    return this.#credential.call(
      (accessToken) =>
        callThrough(this.#client, {
          endpoint,
          path,
          method: "GET",
          query: sessionQuery(accessToken, openid, signature),
          policy,
          sensitive: [accessToken, signature, sessionKey],
          signal: call.signal,
        }),
      call,
    );
  }
}

// Spec B.2: the doc tables list body fields, its examples use the query; the examples are followed.
function sessionQuery(accessToken: string, openid: string, signature: string): Array<[string, string]> {
  return [
    ["access_token", accessToken],
    ["openid", openid],
    ["signature", signature],
    ["sig_method", "hmac_sha256"],
  ];
}
