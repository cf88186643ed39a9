import type { Store } from "wechat-login/stores";
import { memoryStore } from "wechat-login/stores/memory";
import { postgresStore } from "wechat-login/stores/postgres";
import { redisStore } from "wechat-login/stores/redis";
import { sqliteStore } from "wechat-login/stores/sqlite";
import { POSTGRES_URL, REDIS_URL } from "../lib/backends.js";

export type StoreSpec =
  | { kind: "memory" }
  | { kind: "sqlite"; filename: string }
  | { kind: "redis"; prefix: string }
  | { kind: "postgres"; schema: string };

export function openStore(spec: StoreSpec): Promise<Store> {
  switch (spec.kind) {
    case "memory":
      return Promise.resolve(memoryStore());
    case "sqlite":
      return sqliteStore({ filename: spec.filename });
    case "redis":
      return Promise.resolve(redisStore({ url: REDIS_URL, prefix: spec.prefix }));
    case "postgres":
      return postgresStore({ connectionString: POSTGRES_URL, schema: spec.schema });
  }
}
