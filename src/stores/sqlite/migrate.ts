import { Umzug, type UmzugStorage } from "umzug";
import { prepare, type SqliteDatabase } from "./driver.js";
import { sqliteMigrations } from "./migrations/index.js";

const table = "wechat_login_migrations";

function storage(db: SqliteDatabase): UmzugStorage<SqliteDatabase> {
  return {
    async executed() {
      db.exec(
        `CREATE TABLE IF NOT EXISTS ${table} (name TEXT PRIMARY KEY, executed_at INTEGER NOT NULL) STRICT`,
      );
      return prepare<[], { name: string }>(db, `SELECT name FROM ${table} ORDER BY name`)
        .all()
        .map((row) => row.name);
    },
    async logMigration({ name }) {
      db.prepare(`INSERT INTO ${table} (name, executed_at) VALUES (?, ?)`).run(name, Date.now());
    },
    async unlogMigration({ name }) {
      db.prepare(`DELETE FROM ${table} WHERE name = ?`).run(name);
    },
  };
}

/**
 * Brings the schema up to date. The write lock is taken first, so a second
 * process opening the same file at the same moment waits (busy_timeout) and
 * then finds nothing left to do.
 */
export async function migrate(db: SqliteDatabase): Promise<void> {
  const umzug = new Umzug<SqliteDatabase>({
    migrations: sqliteMigrations.map((migration) => ({
      name: migration.name,
      up: async (params) => migration.up(params),
    })),
    context: db,
    storage: storage(db),
    logger: undefined,
  });
  db.exec("BEGIN IMMEDIATE");
  try {
    await umzug.up();
    db.exec("COMMIT");
  } catch (error) {
    if (db.inTransaction) db.exec("ROLLBACK");
    throw error;
  }
}
