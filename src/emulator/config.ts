import { readFile } from "node:fs/promises";
import { z } from "zod";
import { mpSettingsSchema } from "./official-account/settings.js";

const APPID = /^wx[0-9a-f]{16}$/;
const SECRET = /^[0-9a-f]{32}$/;
// A callback domain is a host name with an optional port, as registered on the WeChat platform (no scheme, no path).
const DOMAIN =
  /^(?=.{1,253}(?::\d{1,5})?$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/;
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The three kinds of WeChat app the emulator knows; each allows its own flows and scopes. */
export const APP_KINDS = ["website", "official-account", "mini-program"] as const;
export type AppKind = (typeof APP_KINDS)[number];

export const appSchema = z.strictObject({
  kind: z.enum(APP_KINDS),
  appid: z.string().regex(APPID, "must be `wx` followed by 16 lowercase hex characters"),
  secret: z.string().regex(SECRET, "must be 32 lowercase hex characters"),
  name: z.string().min(1).max(64),
  domains: z
    .array(z.string().toLowerCase().regex(DOMAIN, "must be a host name with an optional :port"))
    .max(20)
    .default([]),
  openAccount: z
    .string()
    .regex(/^[A-Za-z0-9_.@-]{1,64}$/, "must be 1-64 characters of [A-Za-z0-9_.@-]")
    .optional(),
  /** An Official Account's server configuration and account type (follow-to-login). */
  officialAccount: mpSettingsSchema.optional(),
  /** A mini program's published pages: what wxacodes with `check_path` may open (41030 otherwise). */
  pages: z
    .array(
      z
        .string()
        .regex(/^[A-Za-z0-9_\-.]+(\/[A-Za-z0-9_\-.]+)*$/, "must be a page path like pages/index/index"),
    )
    .max(200)
    .optional(),
  /**
   * A mini program's server: the base of the developer's login routes its
   * pages call with `wx.request`, e.g. `http://localhost:3000/auth`. With it,
   * the panel's "scan"/"confirm" buttons drive `{server}/miniprogram/scan` and `/confirm`.
   */
  server: z
    .string()
    .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, "must be an http(s) URL without query or fragment")
    .optional(),
});

export const userSchema = z.strictObject({
  id: z.string().regex(USER_ID, "must be 1-64 characters of [A-Za-z0-9_-]"),
  nickname: z.string().min(1).max(64),
  // Absolute http(s) URL, a path on the emulator (resolved against its origin), or empty like WeChat's users without an avatar.
  headimgurl: z
    .string()
    .max(2048)
    .refine((value) => value === "" || value.startsWith("/") || /^https?:\/\/[^\s]+$/.test(value), {
      message: "must be empty, an absolute http(s) URL or a path starting with /",
    })
    .default(""),
  /**
   * A snapshot-page (快照页) visitor: WeChat's virtual account for a page opened
   * from a Moments snapshot. Official Account web authorization answers
   * `is_snapshotuser: 1` for them, and no unionid (spec §3.1).
   */
  snapshot: z.boolean().optional(),
});

export const configSchema = z
  .strictObject({
    apps: z.array(appSchema).min(1),
    users: z.array(userSchema).min(1),
  })
  .superRefine((config, context) => {
    const appids = new Set<string>();
    config.apps.forEach((app, index) => {
      if (appids.has(app.appid)) {
        context.addIssue({ code: "custom", path: ["apps", index, "appid"], message: "duplicate appid" });
      }
      appids.add(app.appid);
      if (app.kind !== "mini-program" && app.domains.length === 0) {
        context.addIssue({
          code: "custom",
          path: ["apps", index, "domains"],
          message: "a website or official account needs at least one callback domain",
        });
      }
    });
    const ids = new Set<string>();
    config.users.forEach((user, index) => {
      if (ids.has(user.id)) {
        context.addIssue({ code: "custom", path: ["users", index, "id"], message: "duplicate user id" });
      }
      ids.add(user.id);
    });
  });

/** A WeChat app registered in the emulator. Its secret is fake, so it is shown freely. */
export type EmulatorApp = z.output<typeof appSchema>;
/** A test user who can log in to every app. */
export type EmulatorUser = z.output<typeof userSchema>;
/** The apps and users the emulator starts with. */
export interface EmulatorConfig {
  apps: EmulatorApp[];
  users: EmulatorUser[];
}
/** The config as written in a JSON file (optional fields may be left out). */
export type EmulatorConfigInput = z.input<typeof configSchema>;

/** A config value that fails validation; `field` is its path, e.g. `apps[0].appid`. */
export class EmulatorConfigError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(field ? `${field}: ${problem}` : problem);
    this.name = "EmulatorConfigError";
  }
}

/** Formats a zod issue path the way users write it: `apps[0].appid`. */
export function fieldPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((text, key) => {
    if (typeof key === "number") return `${text}[${key}]`;
    return text ? `${text}.${String(key)}` : String(key);
  }, "");
}

/** Validates with `schema`, throwing an {@link EmulatorConfigError} that names the first bad field. */
export function parseWith<T extends z.ZodType>(schema: T, input: unknown, prefix = ""): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = fieldPath([...(prefix ? [prefix] : []), ...(issue?.path ?? [])]);
  throw new EmulatorConfigError(path, issue?.message ?? "invalid");
}

/** Validates a config object (e.g. parsed from `emulator.json`). */
export function parseEmulatorConfig(input: unknown): EmulatorConfig {
  return parseWith(configSchema, input);
}

/** Reads and validates a JSON config file; every failure is an {@link EmulatorConfigError}. */
export async function loadEmulatorConfigFile(path: string): Promise<EmulatorConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : "unreadable";
    throw new EmulatorConfigError("", `cannot read ${path} (${reason})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new EmulatorConfigError("", `${path} is not valid JSON (${(error as Error).message})`);
  }
  return parseEmulatorConfig(json);
}
