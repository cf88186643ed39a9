import type { StoreSpec } from "./stores.js";

/** What the parent asks a login server process to be. */
export interface ServerSpec {
  mode: "flow" | "bare";
  store: StoreSpec;
  emulator: string;
  sessions: number;
}

/** Only its host matters: 127.0.0.1 passes the emulator's callback-domain check and keeps cookies non-Secure. */
export const REDIRECT_URI = "http://127.0.0.1/auth/callback";
