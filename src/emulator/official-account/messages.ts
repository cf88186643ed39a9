import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { LosslessNumber, parse as parseJson, stringify as stringifyJson } from "lossless-json";
import type { MpFormat } from "./settings.js";

/** One push as WeChat builds it: field names of spec A.3, numbers as digit strings. */
export type PushMessage = Record<string, string>;

// Fields WeChat sends as bare integers; every other one is text (CDATA in XML).
const NUMERIC = new Set(["CreateTime", "MsgId", "TimeStamp"]);

const builder = new XMLBuilder({ cdataPropName: "#cdata" });
const parser = new XMLParser({ parseTagValue: false, processEntities: false, ignoreAttributes: true });

/** Serialises a message in the account's format. */
export function serialize(message: PushMessage, format: MpFormat): string {
  if (format === "json") {
    const body: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(message)) {
      body[name] = NUMERIC.has(name) ? new LosslessNumber(value) : value;
    }
    return stringifyJson(body) ?? "{}";
  }
  const body: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(message)) {
    body[name] = NUMERIC.has(name) ? value : { "#cdata": value };
  }
  return builder.build({ xml: body }) as string;
}

/** A reply body read back: its top-level text fields, or undefined when it is neither XML nor JSON of the format. */
export function deserialize(text: string, format: MpFormat): PushMessage | undefined {
  try {
    if (format === "json") {
      const value = parseJson(text, undefined, (digits) => digits);
      return typeof value === "object" && value !== null && !Array.isArray(value)
        ? strings(value)
        : undefined;
    }
    if (/<!DOCTYPE|<!ENTITY/i.test(text) || XMLValidator.validate(text) !== true) return undefined;
    const root = (parser.parse(text) as { xml?: unknown }).xml;
    return typeof root === "object" && root !== null ? strings(root) : undefined;
  } catch {
    return undefined;
  }
}

function strings(record: object): PushMessage {
  const fields: PushMessage = {};
  for (const [name, value] of Object.entries(record)) {
    if (typeof value === "string" || typeof value === "number") fields[name] = String(value);
  }
  return fields;
}
