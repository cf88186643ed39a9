import type { StoreSpec } from "./stores.js";

/** What the parent asks a login server process to be. */
export interface ServerSpec {
  mode: "flow" | "bare";
  store: StoreSpec;
  emulator: string;
  sessions: number;
}

/** What the parent asks an Express server process to be: our flow on the Express adapter, or passport-wechat. */
export interface ExpressSpec {
  mode: "flow" | "passport";
  store: { kind: "memory" } | { kind: "redis"; prefix: string };
  emulator: string;
}

/** Only its host matters: 127.0.0.1 passes the emulator's callback-domain check and keeps cookies non-Secure. */
export const REDIRECT_URI = "http://127.0.0.1/auth/callback";
