import { Buffer } from "node:buffer";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { parse as parseLosslessJson } from "lossless-json";
import { PushFormatError } from "./errors.js";

// Spec A.3: the push bodies of an Official Account, XML or JSON with the same field names.

/**
 * The largest push body read. WeChat's pushes are a few kB (compatible mode
 * about three times a plain one); anything near this is not WeChat. Read at
 * most this many bytes from the request before calling {@link openPush}.
 */
export const MAX_PUSH_BODY_BYTES = 64 * 1024;

/** The two body formats the console offers (spec A.3: "数据格式：XML 或 JSON"). */
export type PushFormat = "xml" | "json";

/** A push's top-level text fields, every value a string (`MsgId` is a 64-bit integer, spec A.3). */
export type PushFields = Readonly<Record<string, string>>;

// Entities stay the five predefined ones: a DTD is refused before parsing (XXE, billion laughs, spec A.9 §10).
const xml = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  processEntities: true,
  htmlEntities: false,
  trimValues: true,
});

const DOCTYPE = /<!(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST)/i;

/** Which format a body is in, from its first character; the Content-Type header is not trusted for this. */
export function pushFormatOf(body: string): PushFormat {
  const first = body.trimStart()[0];
  if (first === "<") return "xml";
  if (first === "{") return "json";
  throw new PushFormatError("the body is neither XML nor JSON");
}

/**
 * Parses a push body into its top-level text fields. Nested elements (e.g.
 * `ScanCodeInfo`) are left out; a field given twice is refused, since it would
 * leave two answers to "who sent this".
 * @throws {PushFormatError} for an oversized, malformed or DTD-carrying body.
 */
export function parsePushBody(body: string): { format: PushFormat; fields: PushFields } {
  if (typeof body !== "string") throw new PushFormatError("the body is not text");
  if (Buffer.byteLength(body, "utf8") > MAX_PUSH_BODY_BYTES) {
    throw new PushFormatError(`the body is larger than ${MAX_PUSH_BODY_BYTES} bytes`, -41003);
  }
  const format = pushFormatOf(body);
  return { format, fields: format === "xml" ? xmlFields(body) : jsonFields(body) };
}

function xmlFields(body: string): PushFields {
  if (DOCTYPE.test(body)) throw new PushFormatError("the XML declares a DTD or entities", -40008);
  if (XMLValidator.validate(body) !== true) throw new PushFormatError("the XML is malformed");
  const document: unknown = xml.parse(body);
  const root = isObject(document) ? document.xml : undefined;
  if (!isObject(root) || Object.keys(document as object).length !== 1) {
    throw new PushFormatError("the XML root is not <xml>", -40008);
  }
  return textFields(root);
}

function jsonFields(body: string): PushFields {
  let document: unknown;
  try {
    // Numbers are kept as their digits: MsgId does not fit a double.
    document = parseLosslessJson(body, undefined, (digits) => digits);
  } catch {
    throw new PushFormatError("the JSON is malformed or repeats a key");
  }
  if (!isObject(document)) throw new PushFormatError("the JSON is not an object", -40008);
  return textFields(document);
}

function textFields(record: Record<string, unknown>): PushFields {
  const fields: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(record)) {
    if (Array.isArray(value)) throw new PushFormatError(`the field ${safeName(name)} appears twice`, -40008);
    if (typeof value === "string") fields[name] = value;
    else if (typeof value === "boolean") fields[name] = String(value);
  }
  return fields;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A field name for an error message: never echo arbitrary input. */
function safeName(name: string): string {
  return /^[A-Za-z][A-Za-z0-9_]{0,40}$/.test(name) ? name : "(unnamed)";
}

/** What every normalised push carries. */
export interface MpEventBase {
  /** The account's original id, `gh_…` (`ToUserName`). */
  accountId: string;
  /** The user's openid for this Official Account (`FromUserName`): the identity. */
  openid: string;
  /** Unix seconds as sent, a string of digits. */
  createTime: string;
}

/**
 * One push, normalised for the login flow (spec A.3).
 * - `subscribe`: a follow; `scene` is set (with `qrscene_` stripped) when it came from a parametric QR.
 * - `scan`: a follower scanned a parametric QR; `scene` is the bare scene.
 * - `text`: a text message (variant A2, code by message); `content` is trimmed.
 * - `unsubscribe`: an unfollow.
 * - `other`: any other message or event, kept for logging.
 */
export type MpEvent =
  | (MpEventBase & { type: "subscribe"; scene: string | undefined; ticket: string | undefined })
  | (MpEventBase & { type: "scan"; scene: string; ticket: string | undefined })
  | (MpEventBase & { type: "text"; content: string; msgId: string })
  | (MpEventBase & { type: "unsubscribe" })
  | (MpEventBase & { type: "other"; msgType: string; event: string | undefined });

const SCENE_PREFIX = "qrscene_";

/**
 * Turns a push's fields into an {@link MpEvent}. Events are compared without
 * case (`SCAN` has been seen as `scan`); `qrscene_` is stripped only on `subscribe`.
 * @throws {PushFormatError} (-40008) when `ToUserName`, `FromUserName`, `CreateTime` or `MsgType` is missing.
 * @example
 * toMpEvent({ ToUserName: "gh_a786fbe98353", FromUserName: "oW5U…", CreateTime: "1648535359",
 *   MsgType: "event", Event: "subscribe", EventKey: "qrscene_wl_3q2pV9xK", Ticket: "gQGv…" })
 * // { type: "subscribe", scene: "wl_3q2pV9xK", ticket: "gQGv…", accountId: "gh_a786fbe98353", … }
 */
export function toMpEvent(fields: PushFields): MpEvent {
  const base = {
    accountId: required(fields, "ToUserName"),
    openid: required(fields, "FromUserName"),
    createTime: required(fields, "CreateTime"),
  };
  if (!/^\d{1,12}$/.test(base.createTime)) throw new PushFormatError("CreateTime is not an integer", -40008);
  const msgType = required(fields, "MsgType").toLowerCase();
  const ticket = fields.Ticket || undefined;
  if (msgType === "text") {
    return { ...base, type: "text", content: (fields.Content ?? "").trim(), msgId: fields.MsgId ?? "" };
  }
  const event = fields.Event?.toLowerCase();
  const key = fields.EventKey ?? "";
  if (msgType === "event" && event === "subscribe") {
    const scene = key.startsWith(SCENE_PREFIX) ? key.slice(SCENE_PREFIX.length) : undefined;
    return { ...base, type: "subscribe", scene: scene || undefined, ticket };
  }
  if (msgType === "event" && event === "scan") return { ...base, type: "scan", scene: key, ticket };
  if (msgType === "event" && event === "unsubscribe") return { ...base, type: "unsubscribe" };
  return { ...base, type: "other", msgType, event: fields.Event };
}

function required(fields: PushFields, name: string): string {
  const value = fields[name];
  if (value === undefined || value === "") throw new PushFormatError(`${name} is missing`, -40008);
  return value;
}

/**
 * The key a push is claimed under, once, in the shared store (spec A.5):
 * `push:{appid}:{MsgId|CreateTime}:{FromUserName}:{Event}:{EventKey}`.
 * `MsgId` alone collides across users (WxJava #333), so the sender is always part of it.
 */
export function pushDedupeKey(appid: string, fields: PushFields): string {
  const id = fields.MsgId || fields.CreateTime || "";
  return `push:${appid}:${id}:${fields.FromUserName ?? ""}:${fields.Event ?? ""}:${fields.EventKey ?? ""}`;
}
