import type { Pool } from "pg";
import { Umzug, type UmzugStorage } from "umzug";
import { type PostgresMigrationContext, postgresMigrations } from "./migrations/index.js";
import { inTransaction } from "./transaction.js";

function storage({ client, schema }: PostgresMigrationContext): UmzugStorage<PostgresMigrationContext> {
  return {
    async executed() {
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${schema}.migrations (name text PRIMARY KEY, executed_at timestamptz NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query<{ name: string }>(
        `SELECT name FROM ${schema}.migrations ORDER BY name`,
      );
      return rows.map((row) => row.name);
    },
    async logMigration({ name }) {
      await client.query(`INSERT INTO ${schema}.migrations (name) VALUES ($1)`, [name]);
    },
    async unlogMigration({ name }) {
      await client.query(`DELETE FROM ${schema}.migrations WHERE name = $1`, [name]);
    },
  };
}

/**
 * Brings the schema up to date in one transaction (PostgreSQL DDL is
 * transactional). The advisory lock makes instances that start together
 * migrate one after the other; the later ones find nothing left to do.
 */
export function migrate(pool: Pool, schema: string, lockKey: string): Promise<void> {
  return inTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [lockKey]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    const context: PostgresMigrationContext = { client, schema };
    const umzug = new Umzug<PostgresMigrationContext>({
      migrations: postgresMigrations.map((migration) => ({ name: migration.name, up: migration.up })),
      context,
      storage: storage(context),
      logger: undefined,
    });
    await umzug.up();
  });
}
