import { DRIVERS, loadDriver } from "./drivers.js";
import type { SqliteDatabase } from "./sqlite/driver.js";
import type { Store } from "./types.js";

export type { SqliteDatabase, SqliteStatement, SqliteTransaction } from "./sqlite/driver.js";

interface CommonOptions {
  /** The clock of lock leases, in epoch ms (they run on real time, unlike records). Default `Date.now`. */
  now?: () => number;
}

export type SqliteStoreOptions = CommonOptions &
  (
    | {
        /** Path of the database file (its directory is created if missing), or `":memory:"`. */
        filename: string;
        /** How long a write waits for another connection's lock before failing. Default 5000 ms. */
        busyTimeoutMs?: number;
      }
    | {
        /**
         * An open better-sqlite3 database to share with the application. Its
         * pragmas are left as they are (enable WAL and a busy_timeout yourself)
         * and `close()` does not close it.
         */
        database: SqliteDatabase;
      }
  );

/**
 * The embedded default: one SQLite file, shared safely by the processes of
 * one machine (WAL, atomic single-use states, locks with leases and fencing
 * tokens in a table). Migrations run when the store opens.
 *
 * Needs the optional peer `better-sqlite3` (`npm install better-sqlite3@12`);
 * without it this rejects with a `ConfigError` saying so.
 *
 * @example
 * ```ts
 * import { sqliteStore } from "wechat-login/stores/sqlite";
 * const store = await sqliteStore({ filename: "./data/wechat-login.db" });
 * setInterval(() => store.purgeExpired(Date.now()).catch(console.error), 10 * 60_000).unref();
 * ```
 */
export async function sqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const { openSqliteStore } = await loadDriver(
    "store",
    "SQLite",
    DRIVERS.sqlite,
    () => import("./sqlite/store.js"),
  );
  return openSqliteStore(options);
}
