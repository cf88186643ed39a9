import { decodeResponse } from "./decode.js";
import { InvalidArgumentError, WeChatHttpError } from "./errors.js";
import { SCENE_RULE, sceneProblem, WXA_PAGE_RULE, wxaPageProblem } from "./identifiers.js";

const ENDPOINT = "wxa/getwxacodeunlimit";

/** Which build of the mini program a wxacode opens. */
export type WxaEnvVersion = "release" | "trial" | "develop";

/**
 * What `wxa/getwxacodeunlimit` draws (spec B.5), in camelCase.
 * @example
 * const options: WxaCodeOptions = { scene: attemptId, page: "pages/login/confirm", width: 430 };
 */
export interface WxaCodeOptions {
  /** Up to 32 characters of `0-9A-Za-z!#$&'()*+,/:;=?@-._~`; the page reads it as `decodeURIComponent(query.scene)`. */
  scene: string;
  /** Page to open, e.g. `pages/login/confirm` (no leading `/`, no query). Default: the mini program's home page. */
  page?: string;
  /** Refuse a page the published mini program does not have (41030). Default true; false allows unpublished pages. */
  checkPath?: boolean;
  /** Default `release`. */
  envVersion?: WxaEnvVersion;
  /** Side in pixels, 280–1280. Default 430. */
  width?: number;
  autoColor?: boolean;
  lineColor?: { r: number; g: number; b: number };
  /** Transparent background. */
  isHyaline?: boolean;
}

/** A wxacode as WeChat drew it; `contentType` follows the bytes, not the header. */
export interface WxaCodeImage {
  contentType: "image/png" | "image/jpeg";
  image: Uint8Array;
}

const ENV_VERSIONS = new Set<string>(["release", "trial", "develop"]);

/** Throws unless `scene` follows WeChat's scene rule. */
export function assertScene(scene: unknown): asserts scene is string {
  if (sceneProblem(scene)) {
    throw new InvalidArgumentError(
      "scene",
      SCENE_RULE,
      "Keep the scene short (an attempt id of letters and digits) and look the rest up on your server.",
    );
  }
}

function colorChannel(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 255;
}

/**
 * The JSON body of `wxa/getwxacodeunlimit` in WeChat's field names, checked
 * before any I/O. The access token goes in the query, never here (47001).
 */
export function wxaCodeRequestBody(options: WxaCodeOptions): Record<string, unknown> {
  if (typeof options !== "object" || options === null) {
    throw new InvalidArgumentError("options", "must be an object with at least a scene");
  }
  assertScene(options.scene);
  const body: Record<string, unknown> = { scene: options.scene };
  if (options.page !== undefined) {
    if (wxaPageProblem(options.page)) throw new InvalidArgumentError("page", WXA_PAGE_RULE);
    body.page = options.page;
  }
  for (const [name, field] of [
    ["checkPath", "check_path"],
    ["autoColor", "auto_color"],
    ["isHyaline", "is_hyaline"],
  ] as const) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== "boolean") throw new InvalidArgumentError(name, "must be a boolean");
    body[field] = value;
  }
  if (options.envVersion !== undefined) {
    if (!ENV_VERSIONS.has(options.envVersion)) {
      throw new InvalidArgumentError("envVersion", 'must be "release", "trial" or "develop"');
    }
    body.env_version = options.envVersion;
  }
  if (options.width !== undefined) {
    const { width } = options;
    if (typeof width !== "number" || !Number.isInteger(width) || width < 280 || width > 1280) {
      throw new InvalidArgumentError("width", "must be an integer from 280 to 1280");
    }
    body.width = width;
  }
  if (options.lineColor !== undefined) {
    const color = options.lineColor;
    if (typeof color !== "object" || color === null || ![color.r, color.g, color.b].every(colorChannel)) {
      throw new InvalidArgumentError("lineColor", "must be { r, g, b } with integers 0-255");
    }
    body.line_color = { r: color.r, g: color.g, b: color.b };
  }
  return body;
}

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const JPEG = [0xff, 0xd8, 0xff];

function startsWith(bytes: Uint8Array, magic: readonly number[]): boolean {
  return bytes.length > magic.length && magic.every((byte, index) => bytes[index] === byte);
}

/**
 * Turns a `wxa/getwxacodeunlimit` answer into the image or a typed error. Told
 * apart by content (spec B.5): the image's magic bytes mean success, a JSON body
 * is an errcode whatever the HTTP status, anything else is a broken answer.
 */
export function decodeWxaCode(
  status: number,
  body: Uint8Array,
  sensitive: readonly string[] = [],
): WxaCodeImage {
  if (startsWith(body, PNG)) return { contentType: "image/png", image: body };
  if (startsWith(body, JPEG)) return { contentType: "image/jpeg", image: body };
  const text = new TextDecoder().decode(body);
  let isJson = false;
  try {
    JSON.parse(text);
    isJson = true;
  } catch {
    // Neither an image nor JSON: reported below with the status it came with.
  }
  if (!isJson) {
    throw new WeChatHttpError(
      ENDPOINT,
      status,
      text.trimStart().startsWith("<") ? "an HTML page instead of an image" : "neither an image nor JSON",
    );
  }
  // A JSON answer is judged on its errcode alone; the success schema accepts no JSON at all.
  return decodeResponse(ENDPOINT, 200, text, sensitive);
}
