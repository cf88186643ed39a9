import { z } from "zod";
import type { Endpoint } from "./hosts.js";
import { followerInfoSchema, qrCodeSchema } from "./mp.js";

// Field-by-field schemas of spec §3. Output is camelCase; `openid`/`unionid` keep WeChat's names because users know them.

const nonEmpty = z.string().min(1);
const lifetimeSeconds = z.number().int().positive();
// Plain optional fields, with defaults and renames done in each schema's one transform: every zod
// wrapper (default, pipe) is another parse step and allocation per field, and `sns/userinfo` is parsed
// on every profile read (bench/README.md, scenario 1).
const optionalUnionid = z.string().optional();

/** WeChat omits unionid when the app is not bound to an Open Platform account; an empty string means the same. */
const unionidOf = (value: string | undefined) => (value ? value : undefined);

/** Scopes WeChat grants; an unknown one is kept as a string so a new scope does not break logins. */
export type Scope = "snsapi_login" | "snsapi_base" | "snsapi_userinfo" | (string & {});

export const oauthTokenSchema = z
  .object({
    access_token: nonEmpty,
    expires_in: lifetimeSeconds,
    refresh_token: nonEmpty,
    openid: nonEmpty,
    scope: z.string(),
    unionid: optionalUnionid,
    is_snapshotuser: z.union([z.literal(0), z.literal(1)]).optional(),
  })
  .transform((body) => ({
    accessToken: body.access_token,
    expiresIn: body.expires_in,
    refreshToken: body.refresh_token,
    openid: body.openid,
    scope: body.scope as Scope,
    unionid: unionidOf(body.unionid),
    // Spec §3.1: a snapshot-page virtual user is not a real login.
    isSnapshotUser: body.is_snapshotuser === 1,
  }));

/** Tokens from `sns/oauth2/access_token` and `sns/oauth2/refresh_token`. */
export type OAuthToken = z.output<typeof oauthTokenSchema>;

export const checkTokenSchema = z.object({ errcode: z.literal(0) }).transform(() => true as const);

const userInfoSchemaBody = z.object({
  openid: nonEmpty,
  nickname: z.string(),
  sex: z.number().int().optional(),
  province: z.string().optional(),
  city: z.string().optional(),
  country: z.string().optional(),
  headimgurl: z.string().optional(),
  privilege: z.array(z.string()).optional(),
  unionid: optionalUnionid,
});

export const userInfoSchema = userInfoSchemaBody.transform((body) => ({
  openid: body.openid,
  unionid: unionidOf(body.unionid),
  nickname: body.nickname,
  // Since 2021-10-20 WeChat sends 0 and empty places; kept for completeness, never to be relied on.
  sex: body.sex ?? 0,
  province: body.province ?? "",
  city: body.city ?? "",
  country: body.country ?? "",
  headimgurl: body.headimgurl ?? "",
  privilege: body.privilege ?? [],
}));

/** A user's public profile from `sns/userinfo`. */
export type UserInfo = z.output<typeof userInfoSchema>;

export const code2SessionSchema = z
  .object({ openid: nonEmpty, session_key: nonEmpty, unionid: optionalUnionid })
  .transform((body) => ({
    openid: body.openid,
    sessionKey: body.session_key,
    unionid: unionidOf(body.unionid),
  }));

/** A mini-program login from `sns/jscode2session`. `sessionKey` is a secret: never send it to the client or log it. */
export type Code2Session = z.output<typeof code2SessionSchema>;

export const appAccessTokenSchema = z
  .object({ access_token: nonEmpty, expires_in: lifetimeSeconds })
  .transform((body) => ({ accessToken: body.access_token, expiresIn: body.expires_in }));

/** The app credential from `cgi-bin/token` / `cgi-bin/stable_token`. */
export type AppAccessToken = z.output<typeof appAccessTokenSchema>;

/** Where and when WeChat produced a piece of mini-program data (`watermark` of open data and phone numbers). */
export interface Watermark {
  /** Epoch seconds. */
  timestamp: number;
  appid: string;
}

const watermarkSchema: z.ZodType<Watermark> = z.object({ timestamp: z.number().int(), appid: nonEmpty });

export const userPhoneNumberSchema = z
  .object({
    phone_info: z.object({
      phoneNumber: nonEmpty,
      purePhoneNumber: nonEmpty,
      // Spec B.4: a number in WeChat's samples, a string in its table.
      countryCode: z.union([z.number().int(), z.string().regex(/^\d{1,4}$/)]).transform(String),
      watermark: watermarkSchema,
    }),
  })
  .transform((body) => body.phone_info);

/** A user's phone number from `wxa/business/getuserphonenumber`. `countryCode` is digits without `+`, e.g. `"86"`. */
export type UserPhoneNumber = z.output<typeof userPhoneNumberSchema>;

export const checkSessionSchema = z
  .object({ errcode: z.literal(0).optional() })
  .transform(() => true as const);

export const resetSessionKeySchema = z
  .object({ openid: nonEmpty, session_key: nonEmpty })
  .transform((body) => ({ openid: body.openid, sessionKey: body.session_key }));

/** A new session_key from `wxa/resetusersessionkey`; the old one stops working. A secret, like {@link Code2Session}'s. */
export type ResetSessionKey = z.output<typeof resetSessionKeySchema>;

// getwxacodeunlimit succeeds with image bytes (decodeWxaCode): a JSON body is only ever an error.
const noJsonSuccess = z.never();

/** The success schema of every JSON endpoint. */
export const responseSchemas = {
  "sns/oauth2/access_token": oauthTokenSchema,
  "sns/oauth2/refresh_token": oauthTokenSchema,
  "sns/auth": checkTokenSchema,
  "sns/userinfo": userInfoSchema,
  "sns/jscode2session": code2SessionSchema,
  "cgi-bin/token": appAccessTokenSchema,
  "cgi-bin/stable_token": appAccessTokenSchema,
  "cgi-bin/qrcode/create": qrCodeSchema,
  "cgi-bin/user/info": followerInfoSchema,
  "wxa/getwxacodeunlimit": noJsonSuccess,
  "wxa/business/getuserphonenumber": userPhoneNumberSchema,
  "wxa/checksession": checkSessionSchema,
  "wxa/resetusersessionkey": resetSessionKeySchema,
} as const satisfies Record<Endpoint, z.ZodType>;

/** What each endpoint returns once validated. */
export type ResponseOf<E extends Endpoint> = z.output<(typeof responseSchemas)[E]>;
