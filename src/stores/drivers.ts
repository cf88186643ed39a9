import { ConfigError } from "../protocol/errors.js";

/** A store's driver: an optional peer dependency, installed by the application that uses the store. */
export interface Driver {
  /** The package the store imports. */
  name: string;
  /** What to `npm install`. */
  install: string;
}

export const DRIVERS = {
  // better-sqlite3 13 crashes on Node 20; 12 has prebuilt binaries for every Node we support.
  sqlite: { name: "better-sqlite3", install: "better-sqlite3@12" },
  redis: { name: "ioredis", install: "ioredis" },
  postgres: { name: "pg", install: "pg" },
} as const satisfies Record<string, Driver>;

/** True when `error` says the package itself is absent (not some other import failure). */
export function isMissingPackage(error: unknown, name: string): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") && error.message.includes(`'${name}'`)
  );
}

/**
 * Loads a store module that imports its driver; only the driver's absence
 * becomes a `ConfigError` on `field`, naming what to install.
 */
export async function loadDriver<T>(
  field: string,
  store: string,
  driver: Driver,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissingPackage(error, driver.name)) throw error;
    throw new ConfigError(
      field,
      `${store} stores need the "${driver.name}" package, which is not installed`,
      `Run \`npm install ${driver.install}\`, or choose another store.`,
    );
  }
}

/** Whether `load` (an import of the driver itself) finds the driver; any other failure still throws. */
export async function driverInstalled(driver: Driver, load: () => Promise<unknown>): Promise<boolean> {
  try {
    await load();
    return true;
  } catch (error) {
    if (isMissingPackage(error, driver.name)) return false;
    throw error;
  }
}
