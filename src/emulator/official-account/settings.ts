import { z } from "zod";

/** How pushes are protected (消息加解密方式): 明文, 兼容 or 安全 mode. */
export const MP_MODES = ["plain", "compat", "safe"] as const;
export type MpMode = (typeof MP_MODES)[number];
/** The push body format (数据格式). */
export const MP_FORMATS = ["xml", "json"] as const;
export type MpFormat = (typeof MP_FORMATS)[number];
/** Only a verified service account may create parametric QR codes (spec A.0). */
export const MP_ACCOUNT_TYPES = ["service-verified", "subscription"] as const;
export type MpAccountType = (typeof MP_ACCOUNT_TYPES)[number];

const TOKEN = /^[A-Za-z0-9]{3,32}$/;
const AES_KEY = /^[A-Za-z0-9]{43}$/;

const serverUrl = z
  .string()
  .max(2048)
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: "must be an absolute http(s) URL",
  });

/** An Official Account's server configuration (服务器配置) as the config file writes it. */
export const mpSettingsSchema = z.strictObject({
  originalId: z
    .string()
    .regex(/^gh_[0-9a-f]{12}$/, "must be gh_ followed by 12 lowercase hex characters")
    .optional(),
  token: z.string().regex(TOKEN, "must be 3-32 letters or digits"),
  encodingAesKey: z.string().regex(AES_KEY, "must be 43 letters or digits"),
  mode: z.enum(MP_MODES).default("plain"),
  format: z.enum(MP_FORMATS).default("xml"),
  accountType: z.enum(MP_ACCOUNT_TYPES).default("service-verified"),
  serverUrl: serverUrl.optional(),
});
export type MpSettingsInput = z.input<typeof mpSettingsSchema>;

/** What the control API's PUT may change; a new serverUrl (or Token) triggers the handshake. */
export const mpSettingsPatchSchema = z.strictObject({
  token: z.string().regex(TOKEN, "must be 3-32 letters or digits").optional(),
  encodingAesKey: z.string().regex(AES_KEY, "must be 43 letters or digits").optional(),
  mode: z.enum(MP_MODES).optional(),
  format: z.enum(MP_FORMATS).optional(),
  accountType: z.enum(MP_ACCOUNT_TYPES).optional(),
  serverUrl: serverUrl.nullable().optional(),
});

/** Switches that make deliveries misbehave the way WeChat's sometimes do (spec A.8). */
export const mpFaultsSchema = z.strictObject({
  /** Every push is delivered twice. */
  duplicate: z.boolean().optional(),
  /** A push is held back and delivered after the next one. */
  outOfOrder: z.boolean().optional(),
  /** `signature` and `msg_signature` are computed with a wrong Token. */
  wrongSignature: z.boolean().optional(),
  /** Pushes are encrypted with the previous EncodingAESKey (after `rotate-key`). */
  staleKey: z.boolean().optional(),
});
export type MpFaults = Required<z.output<typeof mpFaultsSchema>>;

/** The live console of one Official Account. */
export interface MpConsole {
  appid: string;
  originalId: string;
  token: string;
  encodingAesKey: string;
  /** Kept after `rotate-key`: replies sealed with it are still accepted (spec A.4 §7). */
  previousEncodingAesKey: string | undefined;
  mode: MpMode;
  format: MpFormat;
  accountType: MpAccountType;
  serverUrl: string | undefined;
  faults: MpFaults;
}
