import { z } from "zod";
import { ConfigError } from "../protocol/errors.js";
import { DEFAULT_API_BASE, DEFAULT_OPEN_BASE } from "../protocol/hosts.js";
import type { UserInfo } from "../protocol/schemas.js";
import type { IdentityRecord, Store, UserRecord } from "../stores/types.js";

/** What `onLogin` is told about a completed login. */
export interface LoginEvent {
  user: UserRecord;
  identity: IdentityRecord;
  /** The WeChat profile, when the scope allowed reading it (not for snsapi_base). */
  profile: UserInfo | undefined;
  /** True when this login created the user. */
  created: boolean;
  request: Request;
}

/** The subset of a pino logger the flow writes to. */
export interface FlowLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

const appidSchema = z
  .string()
  .regex(/^wx[0-9a-f]{16}$/i, "a WeChat AppID is `wx` followed by 16 hex characters");
const secretSchema = z.string().min(16, "too short for a WeChat AppSecret");
const httpUrl = z
  .string()
  .refine(
    (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol),
    "must be an http(s) URL",
  );
const seconds = z.number().int().positive();

const schema = z.object({
  appid: appidSchema,
  secret: secretSchema,
  redirectUri: httpUrl.refine((value) => !value.includes("#"), "must not contain a fragment"),
  officialAccount: z
    .object({
      appid: appidSchema,
      secret: secretSchema,
      scope: z.enum(["snsapi_base", "snsapi_userinfo"]).default("snsapi_userinfo"),
    })
    .optional(),
  store: z.custom<Store>(
    (value) =>
      typeof value === "object" && value !== null && typeof (value as Store).consumeState === "function",
    "must be a Store (memoryStore(), sqliteStore(), redisStore() or postgresStore())",
  ),
  sessionSecret: z.string().min(32, "must be at least 32 characters (use a random value)"),
  openBase: httpUrl.default(DEFAULT_OPEN_BASE),
  apiBase: httpUrl.default(DEFAULT_API_BASE),
  routePrefix: z
    .string()
    .regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'must look like "/auth" (or "" for the root)')
    .default("/auth"),
  stateTtlSeconds: seconds.max(3600).default(600),
  sessionIdleSeconds: seconds.default(7 * 24 * 3600),
  sessionAbsoluteSeconds: seconds.default(30 * 24 * 3600),
  keepTokens: z.boolean().default(false),
  onLogin: z.custom<(event: LoginEvent) => unknown>((value) => typeof value === "function").optional(),
  logger: z.custom<FlowLogger>((value) => typeof value === "object" && value !== null).optional(),
  now: z.custom<() => number>((value) => typeof value === "function").optional(),
  /** Total deadline for one WeChat call during the callback. */
  upstreamTimeoutMs: z.number().int().positive().default(8000),
  /** Deadline for one store operation; a slower store answers 503. */
  storeTimeoutMs: z.number().int().positive().default(3000),
});

/** Options of `createLogin`. */
export type LoginOptions = z.input<typeof schema>;
/** Options after validation and defaults. */
export type LoginConfig = z.output<typeof schema>;

/** Validates login options; throws a `ConfigError` naming the first bad field, never echoing a secret. */
export function parseLoginConfig(options: LoginOptions): LoginConfig {
  const result = schema.safeParse(options);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join(".") || "options";
  const missing = valueAt(options, issue.path) === undefined;
  throw new ConfigError(field, missing ? "is required" : issue.message);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
