import { resolve } from "node:path";
import { ConfigError } from "../protocol/errors.js";
import { DRIVERS } from "../stores/drivers.js";
import { StoreError } from "../stores/errors.js";
import { storeFromUrl } from "../stores/from-url.js";
import type { Store } from "../stores/types.js";
import { StoreOpenFailed } from "./demo-errors.js";

/** Opens `STORE_URL`; a failure becomes a `StoreOpenFailed` naming the variable and where (never a password). */
export async function openStore(storeUrl: string): Promise<Store> {
  try {
    return await storeFromUrl(storeUrl);
  } catch (error) {
    if (error instanceof ConfigError) {
      const driver = Object.values(DRIVERS).find((candidate) =>
        error.problem.includes(`"${candidate.name}"`),
      );
      throw new StoreOpenFailed(describeStore(storeUrl), driver ? "not installed" : "malformed", driver);
    }
    throw new StoreOpenFailed(storeLocation(storeUrl), errorCode(error));
  }
}

/** The system's or driver's code of a failure (ENOTDIR, SQLITE_CANTOPEN, ECONNREFUSED), behind a StoreError too. */
function errorCode(error: unknown): string {
  const cause = error instanceof StoreError ? error.cause : error;
  if (typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string")
    return cause.code;
  return error instanceof Error ? error.name : "error";
}

/** Where a store lives, for an error: a SQLite file's absolute path, else the URL without credentials. */
function storeLocation(storeUrl: string): string {
  const sqlite = /^sqlite:(?:\/\/)?(.+)$/i.exec(storeUrl.trim());
  if (sqlite?.[1] && sqlite[1] !== ":memory:") return resolve(sqlite[1]);
  return describeStore(storeUrl);
}

// Only the scheme and location: a Redis or PostgreSQL URL may carry a password.
export function describeStore(storeUrl: string): string {
  if (storeUrl.startsWith("sqlite:") || storeUrl.startsWith("memory:")) return storeUrl;
  try {
    const url = new URL(storeUrl);
    return `${url.protocol}//${url.hostname}${url.port ? `:${url.port}` : ""}`;
  } catch {
    return "(invalid)";
  }
}
