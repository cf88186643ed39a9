/** The store failed or did not answer within its deadline; the flow answers 503. */
export class StoreUnavailable extends Error {
  constructor(reason: string, options?: ErrorOptions) {
    super(`store unavailable: ${reason}`, options);
    this.name = "StoreUnavailable";
  }
}

/**
 * Bounds a store call and marks its failure as the store's: a hung Redis or
 * PostgreSQL must give the user a 503 page in seconds, not a spinning tab.
 */
export function withDeadline<T>(operation: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailable(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  const failed = operation.catch((error: unknown) => {
    throw new StoreUnavailable(error instanceof Error ? error.name : "error", { cause: error });
  });
  return Promise.race([failed, deadline]).finally(() => clearTimeout(timer));
}
