import type { SqliteDatabase } from "../driver.js";
import { initial } from "./0001-initial.js";
import { stateRestarted } from "./0002-state-restarted.js";
import { rateLimits } from "./0003-rate-limits.js";
import { loginAttempts } from "./0004-login-attempts.js";

export interface SqliteMigration {
  /** Recorded in `wechat_login_migrations`; never rename a released one. */
  name: string;
  /** Synchronous on purpose: all migrations run inside one `BEGIN IMMEDIATE` transaction. */
  up(params: { context: SqliteDatabase }): void;
}

/** In order. Add new ones at the end; never edit a released one. */
export const sqliteMigrations: readonly SqliteMigration[] = [
  initial,
  stateRestarted,
  rateLimits,
  loginAttempts,
];
