import { ErrorCode, WeChatLoginError } from "../protocol/errors.js";
import type { Lock, Store } from "../stores/types.js";

/**
 * The store failed or did not answer within `storeTimeoutMs`: the one error
 * a store failure becomes, whether it surfaces at a login route (a 503 page),
 * from `login.getSession()` or from `login.tokens()`. The backend's own error
 * is kept as `cause` for logs only: a driver's message may quote values.
 */
export class StoreUnavailable extends WeChatLoginError {
  readonly code = ErrorCode.StoreUnavailable;
  constructor(
    /** Why, without values: "no answer within 3000 ms", or the failing error's class name. */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(
      `The store is unavailable: ${reason}`,
      "Check that the store's backend is reachable and healthy; the request can be retried.",
      options,
    );
  }
}

/**
 * Bounds a store call and marks its failure as the store's: a hung Redis or
 * PostgreSQL must give the user a 503 page in seconds, not a spinning tab.
 */
function withDeadline<T>(operation: Promise<T>, timeoutMs: number): Promise<T> {
  // One promise and one timer per call (not a race of three promises): this wraps every store read of /session.
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new StoreUnavailable(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    operation.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(
          error instanceof StoreUnavailable
            ? error
            : new StoreUnavailable(error instanceof Error ? error.name : "error", { cause: error }),
        );
      },
    );
  });
}

/**
 * The store as the flow uses it: every call (the routes', `getSession`'s,
 * `tokens()`'s, a lock's release) bounded by `timeoutMs` and failing with
 * {@link StoreUnavailable}. Applied once in `createLogin`, so no call site
 * can forget the deadline.
 */
export function guardedStore(store: Store, timeoutMs: number): Store {
  const guardLock = (lock: Lock | undefined): Lock | undefined =>
    lock && {
      name: lock.name,
      fencingToken: lock.fencingToken,
      release: () => withDeadline(lock.release(), timeoutMs),
    };
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      // close() belongs to the app that opened the store, and is not bounded.
      if (typeof value !== "function" || property === "close") return value;
      return (...args: unknown[]) => {
        let result: unknown;
        try {
          result = (value as (...a: unknown[]) => unknown).apply(target, args);
        } catch (error) {
          result = Promise.reject(error);
        }
        const bounded = withDeadline(Promise.resolve(result), timeoutMs);
        return property === "acquireLock"
          ? bounded.then((lock) => guardLock(lock as Lock | undefined))
          : bounded;
      };
    },
  });
}
