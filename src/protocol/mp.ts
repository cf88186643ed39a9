import { z } from "zod";
import { InvalidArgumentError } from "./errors.js";
import { DEFAULT_MP_BASE, PATHS } from "./hosts.js";
import { baseUrlProblem, normalizeBaseUrl } from "./identifiers.js";

// Spec A.1: the Official Account API of follow-to-login, as pure data (the client sends, the flow decides).

/** Spec A.1: a temporary code lives at most 30 days. */
export const MAX_QR_EXPIRE_SECONDS = 2_592_000;
/** Spec A.1: `scene_str` is 1–64 characters; WeChat enforces it only for permanent codes, we always do. */
const SCENE_PATTERN = /^[\x21-\x7e]{1,64}$/;

/**
 * Options of a temporary string-scene QR code (`QR_STR_SCENE`).
 * @example
 * const options: QrCodeOptions = { sceneStr: "wl_3q2pV9xKc1mN8rT5yB7dZa", expireSeconds: 300 };
 */
export interface QrCodeOptions {
  /** What the push's `EventKey` carries back: 1–64 visible ASCII characters, fresh per login attempt. */
  sceneStr: string;
  /** Lifetime in seconds, 1–2592000. Always sent: WeChat's default when it is left out is 30 s. */
  expireSeconds: number;
}

/** The JSON body of `POST cgi-bin/qrcode/create`, exactly as WeChat documents it. */
export interface QrCodeCreateBody {
  expire_seconds: number;
  action_name: "QR_STR_SCENE";
  action_info: { scene: { scene_str: string } };
}

/**
 * Builds the body of `cgi-bin/qrcode/create` for a temporary string scene, from
 * a typed object so the `scene` wrapper cannot go missing (spec A.1: without it
 * the pushes carry `EventKey` 0).
 * @throws {InvalidArgumentError} for a scene or lifetime WeChat would not honour.
 * @example
 * qrCodeCreateBody({ sceneStr: "wl_3q2pV9xKc1mN8rT5yB7dZa", expireSeconds: 300 })
 * // { expire_seconds: 300, action_name: "QR_STR_SCENE", action_info: { scene: { scene_str: "wl_3q2p…" } } }
 */
export function qrCodeCreateBody(options: QrCodeOptions): QrCodeCreateBody {
  if (typeof options?.sceneStr !== "string" || !SCENE_PATTERN.test(options.sceneStr)) {
    throw new InvalidArgumentError("sceneStr", "must be 1-64 visible ASCII characters");
  }
  const seconds = options.expireSeconds;
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_QR_EXPIRE_SECONDS) {
    throw new InvalidArgumentError("expireSeconds", `must be an integer from 1 to ${MAX_QR_EXPIRE_SECONDS}`);
  }
  return {
    expire_seconds: seconds,
    action_name: "QR_STR_SCENE",
    action_info: { scene: { scene_str: options.sceneStr } },
  };
}

export const qrCodeSchema = z
  .object({
    ticket: z.string().min(1),
    // Absent on permanent codes; ours are temporary, but a missing value is not worth failing a login over.
    expire_seconds: z.number().int().positive().optional(),
    url: z.string().min(1),
  })
  .transform((body) => ({ ticket: body.ticket, expireSeconds: body.expire_seconds, url: body.url }));

/**
 * A parametric QR code from `cgi-bin/qrcode/create`. Render `url` as a QR, or
 * show the image at {@link showQrCodeUrl}; keep `ticket`, pushes carry it back.
 */
export type QrCode = z.output<typeof qrCodeSchema>;

/**
 * Where WeChat serves the QR image of a ticket. The ticket holds `+`, `/` and
 * `=`, so it is percent-encoded (spec A.1).
 * @example
 * showQrCodeUrl(qr.ticket) // "https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=gQH47joAAAAAAAAAASxo…%3D%3D"
 */
export function showQrCodeUrl(ticket: string, mpBase: string = DEFAULT_MP_BASE): string {
  if (typeof ticket !== "string" || !/^[\x21-\x7e]{1,1024}$/.test(ticket)) {
    throw new InvalidArgumentError("ticket", "must be 1-1024 visible ASCII characters");
  }
  const problem = baseUrlProblem(mpBase);
  if (problem) throw new InvalidArgumentError("mpBase", problem);
  return `${normalizeBaseUrl(mpBase)}${PATHS.showQrCode}?ticket=${encodeURIComponent(ticket)}`;
}

const followerSchemaBody = z.object({
  subscribe: z.union([z.literal(0), z.literal(1)]),
  openid: z.string().min(1),
  // Spec A.6: present only when the account is bound to an Open Platform account.
  unionid: z
    .string()
    .optional()
    .transform((value) => (value ? value : undefined)),
  subscribe_time: z.number().int().nonnegative().optional(),
  subscribe_scene: z.string().optional(),
  qr_scene_str: z.string().optional(),
});

export const followerInfoSchema = followerSchemaBody.transform((body) => ({
  openid: body.openid,
  unionid: body.unionid,
  subscribed: body.subscribe === 1,
  /** Unix seconds of the follow; absent for a user who does not follow. */
  subscribeTime: body.subscribe_time,
  /** How the user followed, e.g. `ADD_SCENE_QR_CODE`. */
  subscribeScene: body.subscribe_scene || undefined,
  qrSceneStr: body.qr_scene_str || undefined,
}));

/**
 * A user as `cgi-bin/user/info` describes them to the Official Account (spec
 * A.6). No nickname or avatar since 2021-12-27; `unionid` links the user to
 * web logins of the same Open Platform account.
 */
export type FollowerInfo = z.output<typeof followerInfoSchema>;
