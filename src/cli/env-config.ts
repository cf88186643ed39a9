import { ConfigError } from "../protocol/errors.js";

/** The environment variables `wechat-login start --no-emulator` reads. */
export interface EnvLoginSettings {
  appid: string;
  secret: string;
  redirectUri: string;
  openBase: string | undefined;
  apiBase: string | undefined;
  sessionSecret: string;
  storeUrl: string;
}

/**
 * Reads the login settings from the environment. Only presence is checked
 * here; `createLogin` validates the values and names the field it rejects.
 */
export function loginSettingsFromEnv(env: NodeJS.ProcessEnv): EnvLoginSettings {
  const required = (name: string): string => {
    const value = env[name];
    if (value === undefined || value.trim() === "")
      throw new ConfigError(name, "is not set", `Set ${name} in the environment.`);
    return value.trim();
  };
  return {
    appid: required("WECHAT_APPID"),
    secret: required("WECHAT_SECRET"),
    redirectUri: required("WECHAT_REDIRECT_URI"),
    openBase: env.WECHAT_OPEN_BASE?.trim() || undefined,
    apiBase: env.WECHAT_API_BASE?.trim() || undefined,
    sessionSecret: required("SESSION_SECRET"),
    storeUrl: env.STORE_URL?.trim() || "sqlite:./data/wechat-login.db",
  };
}
