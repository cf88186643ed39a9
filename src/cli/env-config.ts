import { type LoginOptions, loginOptionIssues } from "../flow/index.js";

/** The variables `wechat-login start --no-emulator` reads, by the login option each one sets. */
export const ENV_VARIABLES = {
  appid: "WECHAT_APPID",
  secret: "WECHAT_SECRET",
  redirectUri: "WECHAT_REDIRECT_URI",
  sessionSecret: "SESSION_SECRET",
  openBase: "WECHAT_OPEN_BASE",
  apiBase: "WECHAT_API_BASE",
} as const;

export type EnvVariable = (typeof ENV_VARIABLES)[keyof typeof ENV_VARIABLES];

/** One variable that is not set, or is set to a value `createLogin` would reject. */
export interface EnvProblem {
  variable: EnvVariable;
  problem: "missing" | "invalid";
}

export type EnvLoginSettings = Omit<LoginOptions, "store"> & { storeUrl: string };

/**
 * Reads the login settings from the environment and checks them all with
 * the login's own rules (`loginOptionIssues`), so every problem is reported
 * at once instead of one per try.
 */
export function loginSettingsFromEnv(
  env: NodeJS.ProcessEnv,
): { settings: EnvLoginSettings; problems: [] } | { settings: undefined; problems: EnvProblem[] } {
  const read = (name: EnvVariable) => env[name]?.trim() || undefined;
  const options = {
    appid: read("WECHAT_APPID"),
    secret: read("WECHAT_SECRET"),
    redirectUri: read("WECHAT_REDIRECT_URI"),
    sessionSecret: read("SESSION_SECRET"),
    openBase: read("WECHAT_OPEN_BASE"),
    apiBase: read("WECHAT_API_BASE"),
  };
  // An unset required field is checked as "" so the rules report it too; it is then called missing.
  const bad = new Set(
    loginOptionIssues({
      ...options,
      appid: options.appid ?? "",
      secret: options.secret ?? "",
      redirectUri: options.redirectUri ?? "",
      sessionSecret: options.sessionSecret ?? "",
    }).map((issue) => issue.field),
  );
  const problems: EnvProblem[] = [];
  for (const [field, variable] of Object.entries(ENV_VARIABLES)) {
    if (!bad.has(field)) continue;
    const missing = options[field as keyof typeof options] === undefined;
    problems.push({ variable, problem: missing ? "missing" : "invalid" });
  }
  if (problems.length > 0) return { settings: undefined, problems };
  return {
    settings: {
      appid: options.appid!,
      secret: options.secret!,
      redirectUri: options.redirectUri!,
      sessionSecret: options.sessionSecret!,
      openBase: options.openBase,
      apiBase: options.apiBase,
      storeUrl: env.STORE_URL?.trim() || DEFAULT_STORE_URL,
    },
    problems: [],
  };
}

export const DEFAULT_STORE_URL = "sqlite:./data/wechat-login.db";
