import { ErrorCode, WeChatLoginError } from "../protocol/errors.js";

/**
 * A store's backend failed (unreachable, timed out, rejected a query). The
 * flow answers 503 for it. The message names the store and the operation
 * only; the backend's own error is kept as `cause` for logs, because a
 * driver's message may quote the values (hashes, tokens) it was given.
 */
export class StoreError extends WeChatLoginError {
  readonly code = ErrorCode.Store;
  constructor(
    readonly store: string,
    readonly operation: string,
    options?: ErrorOptions,
  ) {
    super(
      `The ${store} store failed during ${operation}${describeCause(options?.cause)}`,
      `Check that the ${store} backend is reachable and healthy; the request can be retried.`,
      options,
    );
  }
}

/** Only a driver's error code (ECONNREFUSED, 57P01, …) is safe to put in a message; its text may quote values. */
function describeCause(cause: unknown): string {
  if (typeof cause !== "object" || cause === null || !("code" in cause)) return "";
  const code = (cause as { code: unknown }).code;
  return typeof code === "string" && /^[A-Z0-9_]{2,40}$/.test(code) ? ` (${code})` : "";
}

/** Runs a backend call so that any failure, synchronous or not, becomes a rejected `StoreError`. */
export async function guard<T>(store: string, operation: string, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof WeChatLoginError) throw error;
    throw new StoreError(store, operation, { cause: error });
  }
}
