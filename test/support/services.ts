/**
 * Tests that need Redis, PostgreSQL or Chromium skip with a clear message
 * when the service is missing locally, and fail when CI=true (where every one must run).
 */
export const isCI = process.env.CI === "true";

export interface ServiceCheck {
  available: boolean;
  /** Why it is unavailable, for the skip message. */
  reason: string;
}

/**
 * Resolves whether a test group may run. In CI a missing service throws, so the
 * suite goes red instead of silently skipping.
 */
export async function requireService(name: string, probe: () => Promise<void>): Promise<ServiceCheck> {
  try {
    await probe();
    return { available: true, reason: "" };
  } catch (error) {
    const reason = `${name} is not available (${error instanceof Error ? error.message : String(error)})`;
    if (isCI) throw new Error(`${reason}; CI=true requires it`);
    console.warn(`[skip] ${reason}: its tests are skipped. Start it to run them.`);
    return { available: false, reason };
  }
}
