import type { PoolClient } from "pg";
import { initial } from "./0001-initial.js";
import { stateRestarted } from "./0002-state-restarted.js";
import { rateLimits } from "./0003-rate-limits.js";
import { loginAttempts } from "./0004-login-attempts.js";

export interface PostgresMigrationContext {
  client: PoolClient;
  /** Already validated and quoted, e.g. `"wechat_login"`. */
  schema: string;
}

export interface PostgresMigration {
  /** Recorded in `<schema>.migrations`; never rename a released one. */
  name: string;
  up(params: { context: PostgresMigrationContext }): Promise<void>;
}

/** In order. Add new ones at the end; never edit a released one. */
export const postgresMigrations: readonly PostgresMigration[] = [
  initial,
  stateRestarted,
  rateLimits,
  loginAttempts,
];
