import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { StoreError } from "../../src/stores/errors.js";
import { postgresMigrations } from "../../src/stores/postgres/migrations/index.js";
import { postgresStore } from "../../src/stores/postgres.js";
import { POSTGRES_URL, requirePostgres } from "../support/databases.js";
import { freePort } from "../support/ports.js";
import { silentServer } from "../support/silent-server.js";
import { describeStoreConformance } from "./conformance.js";
import { randomId, sessionRecord, stateRecord, tokenRecord } from "./fixtures.js";

const connectionString = POSTGRES_URL;
const runId = randomId(4);
const schemas: string[] = [];
const newSchema = () => {
  const schema = `wl_test_${runId}_${schemas.length}`;
  schemas.push(schema);
  return schema;
};

const service = await requirePostgres();

if (service.available) {
  const admin = new pg.Pool({ connectionString, max: 2 });
  const dropSchema = (schema: string) => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(schema);
    await admin.end();
  });

  describeStoreConformance("postgres", async () => {
    const schema = newSchema();
    // Durability is not under test: skipping the WAL flush per commit makes the suite several times faster.
    const poolConfig = { options: "-c synchronous_commit=off" };
    const store = await postgresStore({ connectionString, schema, poolConfig });
    return {
      store,
      sibling: () => postgresStore({ connectionString, schema, poolConfig }),
      cleanup: async () => {
        await store.close();
        await dropSchema(schema);
      },
    };
  });

  describe("postgresStore", () => {
    const count = async (schema: string, table: string) =>
      Number((await admin.query<{ n: string }>(`SELECT COUNT(*) AS n FROM "${schema}".${table}`)).rows[0]!.n);

    it("migrates once when several instances start at the same moment, and again on reopen", async () => {
      const schema = newSchema();
      const stores = await Promise.all(
        Array.from({ length: 4 }, () => postgresStore({ connectionString, schema })),
      );
      await Promise.all(stores.map((store) => store.close()));
      await (await postgresStore({ connectionString, schema })).close();
      expect(await count(schema, "migrations")).toBe(postgresMigrations.length);
    });

    it("deletes expired rows on purgeExpired and leaves a pool it was given open", async () => {
      const schema = newSchema();
      const pool = new pg.Pool({ connectionString, max: 2 });
      const store = await postgresStore({ pool, schema });
      const now = Date.now();
      await store.putState(stateRecord(now, { expiresAt: now - 1 }));
      await store.putState(stateRecord(now));
      await store.putSession(sessionRecord(now, { idleExpiresAt: now }));
      await store.putToken(tokenRecord(now, { refreshExpiresAt: now - 1 }));
      await store.purgeExpired(now);
      expect(await count(schema, "states")).toBe(1);
      expect(await count(schema, "sessions")).toBe(0);
      expect(await count(schema, "tokens")).toBe(0);
      await store.close();
      expect((await pool.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
      await pool.end();
    });

    it("counts rate limits in its own schema, also when two schemas share one pool, and purges ended windows", async () => {
      const [first, second] = [newSchema(), newSchema()];
      const pool = new pg.Pool({ connectionString, max: 1 });
      const stores = [
        await postgresStore({ pool, schema: first }),
        await postgresStore({ pool, schema: second }),
      ];
      const rule = { name: "login", points: 1, durationSeconds: 1 };
      for (const store of stores) {
        expect((await store.consumeRateLimit(rule, "192.0.2.1")).allowed).toBe(true);
        expect((await store.consumeRateLimit(rule, "192.0.2.1")).allowed).toBe(false);
      }
      expect(await count(first, "rate_limits")).toBe(1);
      expect(await count(second, "rate_limits")).toBe(1);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await stores[0]!.purgeExpired(Date.now());
      expect(await count(first, "rate_limits")).toBe(0);
      expect(await count(second, "rate_limits")).toBe(1);
      for (const store of stores) await store.close();
      await pool.end();
    });

    it("refuses a schema name that is not a plain identifier", async () => {
      await expect(postgresStore({ connectionString, schema: 'x"; DROP TABLE y; --' })).rejects.toThrow(
        /schema/,
      );
    });

    it("rejects within 2 s with a StoreError when PostgreSQL is unreachable", async () => {
      const port = await freePort();
      const started = Date.now();
      const opening = postgresStore({
        connectionString: `postgres://postgres@127.0.0.1:${port}/test`,
        poolConfig: { connectionTimeoutMillis: 500 },
      });
      await expect(opening).rejects.toBeInstanceOf(StoreError);
      await expect(opening).rejects.toThrow(/postgres store failed during migrate/);
      expect(Date.now() - started).toBeLessThan(2_000);
    });

    it("rejects within about 2 s with default options when the server accepts connections but never answers", async () => {
      const server = await silentServer();
      const started = Date.now();
      const opening = postgresStore({
        connectionString: `postgres://postgres@127.0.0.1:${server.port}/test`,
      });
      await expect(opening).rejects.toBeInstanceOf(StoreError);
      expect(Date.now() - started).toBeLessThan(3_000);
      await server.close();
    });

    it("rejects a failing query with a StoreError that names the code, not the values", async () => {
      const schema = newSchema();
      const store = await postgresStore({ connectionString, schema });
      await dropSchema(schema);
      const key = `wx00000000000000aa:${randomId()}`;
      const error = await store.getToken(key, Date.now()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StoreError);
      expect((error as StoreError).message).toMatch(/getToken \(42P01\)/);
      expect((error as StoreError).message).not.toContain(key);
      await store.close();
    });
  });
} else {
  describe.skip(`postgres store: ${service.reason}`, () => {
    it("runs the conformance suite", () => undefined);
  });
}
