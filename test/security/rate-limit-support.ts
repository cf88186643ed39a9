/** Stores, servers and clients of the rate-limit tests: real HTTP from chosen loopback addresses. */

import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Redis } from "ioredis";
import pg from "pg";
import { Agent, fetch } from "undici";
import { loginRoutes } from "../../src/adapters/node.js";
import { createLogin, type Login, type LoginOptions } from "../../src/flow/index.js";
import { memoryStore } from "../../src/stores/memory.js";
import { postgresStore } from "../../src/stores/postgres.js";
import { redisStore } from "../../src/stores/redis.js";
import { sqliteStore } from "../../src/stores/sqlite.js";
import type { Store } from "../../src/stores/types.js";
import { offlineOptions } from "../adapters/sites.js";
import { countRows, deleteRedisKeys, dropSchema, redisKeys, runName } from "../support/backends.js";
import { POSTGRES_URL, REDIS_URL, requirePostgres, requireRedis } from "../support/databases.js";
import type { ServiceCheck } from "../support/services.js";

/** A store under test and a way to count its states straight from its backend. */
export interface Backend {
  store: Store;
  /** Another store on the same backend (another instance's connection). */
  sibling(): Promise<Store>;
  /** States held by the backend, expired or not: rows, keys, or putState calls for memory. */
  countStates(): Promise<number>;
  cleanup(): Promise<void>;
}

export interface BackendKind {
  name: string;
  check(): Promise<ServiceCheck>;
  open(): Promise<Backend>;
}

const always = async (): Promise<ServiceCheck> => ({ available: true, reason: "" });

/** The memory store has no backend to read: a pass-through proxy counts live states as putState and the purge leave them. */
function countedMemoryStore(): { store: Store; count(): number } {
  const real = memoryStore();
  const live = new Map<string, number>();
  const store = new Proxy(real, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === "putState") {
        return async (record: Parameters<Store["putState"]>[0]) => {
          await target.putState(record);
          live.set(record.state, record.expiresAt);
        };
      }
      if (property === "purgeExpired") {
        return async (now: number) => {
          await target.purgeExpired(now);
          for (const [state, expiresAt] of live) if (expiresAt <= now) live.delete(state);
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { store, count: () => live.size };
}

export const BACKENDS: BackendKind[] = [
  {
    name: "memory",
    check: always,
    async open() {
      const { store, count } = countedMemoryStore();
      return {
        store,
        sibling: async () => store,
        countStates: async () => count(),
        cleanup: () => store.close(),
      };
    },
  },
  {
    name: "SQLite",
    check: always,
    async open() {
      const dir = mkdtempSync(join(tmpdir(), "wechat-login-rate-"));
      const filename = join(dir, "store.db");
      const store = await sqliteStore({ filename });
      const siblings: Store[] = [];
      return {
        store,
        sibling: async () => {
          const sibling = await sqliteStore({ filename });
          siblings.push(sibling);
          return sibling;
        },
        countStates: async () => {
          const db = new Database(filename, { readonly: true });
          try {
            return db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM wechat_login_states").get()!.n;
          } finally {
            db.close();
          }
        },
        cleanup: async () => {
          for (const sibling of [store, ...siblings]) await sibling.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: "Redis",
    check: requireRedis,
    async open() {
      const prefix = `${runName("rate")}:`;
      const admin = new Redis(REDIS_URL);
      const store = redisStore({ url: REDIS_URL, prefix });
      const siblings: Store[] = [];
      return {
        store,
        sibling: async () => {
          const sibling = redisStore({ url: REDIS_URL, prefix });
          siblings.push(sibling);
          return sibling;
        },
        countStates: async () => (await redisKeys(admin, `${prefix}state:`)).length,
        cleanup: async () => {
          for (const sibling of [store, ...siblings]) await sibling.close();
          await deleteRedisKeys(admin, prefix);
          admin.disconnect();
        },
      };
    },
  },
  {
    name: "PostgreSQL",
    check: requirePostgres,
    async open() {
      const schema = runName("rate");
      const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
      const poolConfig = { options: "-c synchronous_commit=off" };
      const store = await postgresStore({ connectionString: POSTGRES_URL, schema, poolConfig });
      const siblings: Store[] = [];
      return {
        store,
        sibling: async () => {
          const sibling = await postgresStore({ connectionString: POSTGRES_URL, schema, poolConfig });
          siblings.push(sibling);
          return sibling;
        },
        countStates: () => countRows(admin, schema, "states"),
        cleanup: async () => {
          for (const sibling of [store, ...siblings]) await sibling.close();
          await dropSchema(admin, schema);
          await admin.end();
        },
      };
    },
  },
];

/** What the flow logged, for the log-volume and secrets checks. */
export interface LogLine {
  level: "info" | "warn" | "error";
  object: Record<string, unknown>;
  message: string | undefined;
}

export interface Site {
  url: string;
  login: Login;
  logged: LogLine[];
  /** The flow's clock runs this many ms ahead of the real one. */
  clock: { offsetMs: number };
  close(): Promise<void>;
}

/** The flow on node:http (loginRoutes) on 127.0.0.1, with WeChat never reached: /login only redirects. */
export async function startSite(store: Store, overrides: Partial<LoginOptions> = {}): Promise<Site> {
  const logged: LogLine[] = [];
  const clock = { offsetMs: 0 };
  const server: Server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const log = (level: LogLine["level"]) => (object: object, message?: string) =>
    logged.push({ level, object: object as Record<string, unknown>, message });
  const login = createLogin(
    offlineOptions(port, {
      store,
      now: () => Date.now() + clock.offsetMs,
      logger: { info: log("info"), warn: log("warn"), error: log("error") },
      ...overrides,
    }),
  );
  server.on("request", loginRoutes(login, { fallthrough: false }));
  return {
    url: `http://127.0.0.1:${port}`,
    login,
    logged,
    clock,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await login.close();
    },
  };
}

/** A client whose connections come from one loopback address, as distinct machines would. */
export class ClientAt {
  private readonly agent: Agent;

  constructor(readonly address: string) {
    this.agent = new Agent({ localAddress: address, connections: 8 });
  }

  get(url: string, headers: Record<string, string> = {}) {
    return fetch(url, { headers, redirect: "manual", dispatcher: this.agent });
  }

  /** `count` GETs, `parallel` at a time; resolves each answer's status and Retry-After, bodies read. */
  async flood(
    url: (index: number) => string,
    count: number,
    headers: (index: number) => Record<string, string> = () => ({}),
    parallel = 8,
  ) {
    const answers: { status: number; retryAfter: string | null; body: string }[] = new Array(count);
    let next = 0;
    const worker = async () => {
      while (next < count) {
        const index = next++;
        const response = await this.get(url(index), headers(index));
        answers[index] = {
          status: response.status,
          retryAfter: response.headers.get("retry-after"),
          body: await response.text(),
        };
      }
    };
    await Promise.all(Array.from({ length: parallel }, worker));
    return answers;
  }

  close() {
    return this.agent.close();
  }
}

/** A callback URL with a well-formed state nobody started, as a flood of guesses sends. */
export const guessedCallback = (origin: string, index: number) =>
  `${origin}/auth/callback?code=c${index}&state=${index.toString(16).padStart(64, "0")}`;

export const statuses = (answers: { status: number }[]) => {
  const counts: Record<number, number> = {};
  for (const { status } of answers) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
};
