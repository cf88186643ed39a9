import { ConfigError } from "../protocol/index.js";
import type { AppCredential } from "./app-credential.js";
import { WeChatClient } from "./client.js";

/** What an API family on the app credential is built from (the official account's, the mini program's). */
export interface AppApiParts {
  client: WeChatClient;
  credential: Pick<AppCredential, "call">;
}

/** Checks the options of an API family on the app credential; a ConfigError names the bad one. */
export function appApiParts(options: Partial<AppApiParts> | undefined): AppApiParts {
  if (!(options?.client instanceof WeChatClient)) throw new ConfigError("client", "must be a WeChatClient");
  if (typeof options.credential?.call !== "function") {
    throw new ConfigError("credential", "must be an AppCredential of the same app");
  }
  return { client: options.client, credential: options.credential };
}
