import { randomBytes } from "node:crypto";
import { XMLBuilder } from "fast-xml-parser";
import { PushCryptoError, PushFormatError, PushRecipientError, PushSignatureError } from "./errors.js";
import {
  decodeEncodingAesKey,
  decryptMessage,
  encryptMessage,
  pushSignature,
  signatureMatches,
} from "./mp-crypto.js";
import { type MpEvent, type PushFields, type PushFormat, parsePushBody, toMpEvent } from "./mp-message.js";

// Spec A.2–A.5: receiving an Official Account push and answering it. Pure: the caller reads the request.

/**
 * One Official Account as its server configuration (服务器配置) knows it.
 * @example
 * const account: PushAccount = {
 *   appid: "wx2c7e9a1f4b6d8e03",
 *   token: process.env.MP_TOKEN!,
 *   encodingAesKeys: [process.env.MP_AES_KEY!],
 *   originalId: "gh_a786fbe98353",
 * };
 */
export interface PushAccount {
  appid: string;
  /** The Token of the console (not the EncodingAESKey): it signs every push. */
  token: string;
  /**
   * EncodingAESKeys for compatible and safe mode: the current one first, then
   * the previous one while a key change settles (spec A.4 §7). Empty in plaintext mode.
   */
  encodingAesKeys?: readonly string[];
  /** The account's original id (`gh_…`): when set, a push for another account is refused. */
  originalId?: string;
  /**
   * Accept plaintext pushes although keys are configured: only while the
   * console switches modes. Default false, so a push stripped of its
   * encryption (and so of its `msg_signature`) is refused.
   */
  acceptPlaintext?: boolean;
}

/** The part of the HTTP request a push is read from. */
export interface PushRequest {
  /** The request URL's query: `signature`, `timestamp`, `nonce`, `openid`, `encrypt_type`, `msg_signature`. */
  query: URLSearchParams;
  /** The body as text, read with a cap of {@link MAX_PUSH_BODY_BYTES}. */
  body: string;
}

/** A verified, decrypted and normalised push. */
export interface OpenedPush {
  event: MpEvent;
  /** Every top-level field of the (decrypted) message, for {@link pushDedupeKey} and logging. */
  fields: PushFields;
  format: PushFormat;
  /** Whether the push came encrypted (compatible or safe mode): then so must the reply. */
  encrypted: boolean;
  /** Which of `encodingAesKeys` opened it; a reply is sealed with the same key. */
  keyIndex: number | undefined;
}

function requiredParameter(
  query: URLSearchParams,
  name: "signature" | "timestamp" | "nonce" | "msg_signature",
) {
  const values = query.getAll(name);
  const value = values[0];
  if (!value) throw new PushSignatureError(name, "missing");
  // Only one value is signed: a second copy would let a proxy and this receiver read different ones.
  if (values.length > 1) throw new PushSignatureError(name, "malformed");
  if (!/^[\x21-\x7e]{1,128}$/.test(value)) throw new PushSignatureError(name, "malformed");
  return value;
}

function checkSignature(query: URLSearchParams, token: string): { timestamp: string; nonce: string } {
  const signature = requiredParameter(query, "signature");
  const timestamp = requiredParameter(query, "timestamp");
  const nonce = requiredParameter(query, "nonce");
  if (!signatureMatches(signature, pushSignature(token, timestamp, nonce))) {
    throw new PushSignatureError("signature", "mismatch");
  }
  return { timestamp, nonce };
}

/**
 * The GET handshake WeChat sends when the server URL is saved (spec A.2):
 * returns the `echostr` to answer with, as `200 text/plain`, byte for byte.
 * It is plaintext in every mode for an Official Account.
 * @throws {PushSignatureError} when the signature is missing or wrong: answer 403.
 * @example
 * const echo = verifyServerUrl(new URL(request.url).searchParams, token);
 * return new Response(echo, { headers: { "content-type": "text/plain" } });
 */
export function verifyServerUrl(query: URLSearchParams, token: string): string {
  checkSignature(query, token);
  const echostr = query.get("echostr");
  if (echostr === null || echostr === "") throw new PushFormatError("echostr is missing", -40008);
  return echostr;
}

/**
 * Verifies and opens one push (spec A.3–A.4): `signature` first, in every
 * mode; with `encrypt_type=aes`, `msg_signature` over `Encrypt` BEFORE
 * decrypting, then the trailing appid; then the fields are normalised.
 * @throws {PushSignatureError | PushFormatError | PushCryptoError | PushRecipientError}
 *   — answer 403 or 400, never 500; WeChat retries only on no answer.
 * @example
 * const push = openPush({ query: url.searchParams, body }, account);
 * if (push.event.type === "scan") markScanned(push.event.scene, push.event.openid);
 */
export function openPush(request: PushRequest, account: PushAccount): OpenedPush {
  const { timestamp, nonce } = checkSignature(request.query, account.token);
  const keys = (account.encodingAesKeys ?? []).map(decodeEncodingAesKey);
  const envelope = parsePushBody(request.body);
  let fields = envelope.fields;
  let keyIndex: number | undefined;
  const encrypted = request.query.get("encrypt_type") === "aes";
  if (encrypted) {
    const msgSignature = requiredParameter(request.query, "msg_signature");
    const encrypt = fields.Encrypt;
    if (!encrypt) throw new PushFormatError("Encrypt is missing", -40008);
    if (!signatureMatches(msgSignature, pushSignature(account.token, timestamp, nonce, encrypt))) {
      throw new PushSignatureError("msg_signature", "mismatch");
    }
    if (keys.length === 0)
      throw new PushCryptoError("the push is encrypted but no EncodingAESKey is configured", -40004);
    const opened = decryptMessage(encrypt, keys, account.appid);
    fields = parsePushBody(opened.message).fields;
    keyIndex = opened.keyIndex;
  } else if (keys.length > 0 && !account.acceptPlaintext) {
    throw new PushCryptoError("the push is not encrypted, but an EncodingAESKey is configured", -40007);
  }
  const event = toMpEvent(fields);
  if (account.originalId !== undefined && event.accountId !== account.originalId) {
    throw new PushRecipientError("ToUserName");
  }
  const openid = request.query.get("openid");
  if (openid !== null && openid !== event.openid) {
    throw new PushFormatError("the openid of the URL is not the sender of the message", -40008);
  }
  return { event, fields, format: envelope.format, encrypted, keyIndex };
}

/** The acknowledgement that asks WeChat for nothing and stops its retries (spec A.5). */
export const PUSH_ACK = "success";

const builder = new XMLBuilder({ cdataPropName: "#cdata", processEntities: true });
const cdata = (value: string) => ({ "#cdata": value });

/**
 * A passive text reply (spec A.5), e.g. naming the site the user just logged
 * in to. `createTime` is bare unix seconds. Seal it with {@link sealReply}.
 * @example
 * textReply({ to: push.event.openid, from: push.event.accountId, content: "已登录 example.com", createTime: 1682393776 })
 */
export function textReply(reply: { to: string; from: string; content: string; createTime: number }): string {
  if (!Number.isInteger(reply.createTime) || reply.createTime < 0) {
    throw new PushFormatError("createTime is not unix seconds", -40008);
  }
  return builder.build({
    xml: {
      ToUserName: cdata(reply.to),
      FromUserName: cdata(reply.from),
      CreateTime: reply.createTime,
      MsgType: cdata("text"),
      Content: cdata(reply.content),
    },
  }) as string;
}

/** Options of {@link sealReply}; `nonce` comes from the CSPRNG unless given. */
export interface SealOptions {
  /** Unix seconds. */
  timestamp: number;
  nonce?: string;
  /** The 16 random bytes of the plaintext; tests pin them to compare with a vector. */
  random16?: Buffer;
}

/**
 * The body to answer a push with: `reply` as is for a plaintext push, or the
 * encrypted envelope (spec A.4 §6) sealed with the key that opened it, in the
 * push's format. `success` (and an empty body) are never encrypted: WeChat takes them as they are.
 * @example
 * const timestamp = Math.floor(now / 1000);
 * const reply = textReply({ to: openid, from: originalId, content: "登录成功", createTime: timestamp });
 * return new Response(sealReply(reply, push, account, { timestamp }));
 */
export function sealReply(
  reply: string,
  push: OpenedPush,
  account: PushAccount,
  options: SealOptions,
): string {
  if (!push.encrypted || reply === "" || reply === PUSH_ACK) return reply;
  const encoded = account.encodingAesKeys?.[push.keyIndex ?? 0];
  if (encoded === undefined) throw new PushCryptoError("the key that opened the push is gone", -40004);
  const encrypt = encryptMessage(reply, decodeEncodingAesKey(encoded), account.appid, options.random16);
  const timestamp = String(options.timestamp);
  const nonce = options.nonce ?? String(randomBytes(4).readUInt32BE());
  const signature = pushSignature(account.token, timestamp, nonce, encrypt);
  if (push.format === "json") {
    return JSON.stringify({
      Encrypt: encrypt,
      MsgSignature: signature,
      TimeStamp: Number(timestamp),
      Nonce: nonce,
    });
  }
  return builder.build({
    xml: {
      Encrypt: cdata(encrypt),
      MsgSignature: cdata(signature),
      TimeStamp: timestamp,
      Nonce: cdata(nonce),
    },
  }) as string;
}
