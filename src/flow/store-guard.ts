import { ErrorCode, WeChatLoginError } from "../protocol/errors.js";
import { answersInProcess } from "../stores/in-process.js";
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
 * The deadlines of the store calls in flight, kept by one timer: a timer per call (armed and cleared
 * around each of /session's two reads), or even a clock read per call, was a measurable share of the
 * route's CPU; a Set entry stamped with the timer's tick count is not. The timer ticks every fifth of
 * the deadline while calls are pending; a call fails at the fifth tick after it began, which is
 * between 0.8 × `timeoutMs` and `timeoutMs` later: never after the deadline the docs promise.
 */
class Deadlines {
  readonly #pending = new Set<{ tick: number; expire: () => void }>();
  #tick = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly timeoutMs: number) {}

  /**
   * Bounds a store call and marks its failure as the store's: a hung Redis or
   * PostgreSQL must give the user a 503 page in seconds, not a spinning tab.
   */
  bound<T>(operation: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry = {
        tick: this.#tick,
        expire: () => reject(new StoreUnavailable(`no answer within ${this.timeoutMs} ms`)),
      };
      this.#pending.add(entry);
      this.#timer ??= this.#start();
      operation.then(
        (value) => {
          this.#pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.#pending.delete(entry);
          reject(asUnavailable(error));
        },
      );
    });
  }

  #start(): ReturnType<typeof setInterval> {
    const timer = setInterval(
      () => {
        const tick = ++this.#tick;
        for (const entry of this.#pending) {
          if (tick - entry.tick < TICKS_PER_DEADLINE) continue;
          this.#pending.delete(entry);
          entry.expire();
        }
        if (this.#pending.size === 0) {
          clearInterval(timer);
          this.#timer = undefined;
        }
      },
      Math.max(1, Math.floor(this.timeoutMs / TICKS_PER_DEADLINE)),
    );
    // Not unref'd: a hung call keeps the process alive until its deadline answers it, as a timer per call did.
    return timer;
  }
}

const TICKS_PER_DEADLINE = 5;

function asUnavailable(error: unknown): StoreUnavailable {
  return error instanceof StoreUnavailable
    ? error
    : new StoreUnavailable(error instanceof Error ? error.name : "error", { cause: error });
}

const rejectAsUnavailable = (error: unknown): never => {
  throw asUnavailable(error);
};

/**
 * The store as the flow uses it: every call (the routes', `getSession`'s,
 * `tokens()`'s, a lock's release) bounded by `timeoutMs` and failing with
 * {@link StoreUnavailable}. Applied once in `createLogin`, so no call site
 * can forget the deadline.
 */
export function guardedStore(store: Store, timeoutMs: number): Store {
  const deadlines = new Deadlines(timeoutMs);
  const guardLock = (lock: Lock | undefined): Lock | undefined =>
    lock && {
      name: lock.name,
      fencingToken: lock.fencingToken,
      release: () => deadlines.bound(lock.release()),
    };
  // One bounded wrapper per method, made on first use (again if the method was replaced): /session calls two per request.
  const wrappers = new Map<
    PropertyKey,
    { method: unknown; wrapper: (...args: unknown[]) => Promise<unknown> }
  >();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      // close() belongs to the app that opened the store, and is not bounded.
      if (typeof value !== "function" || property === "close") return value;
      const known = wrappers.get(property);
      if (known?.method === value) return known.wrapper;
      const method = value as (...a: unknown[]) => unknown;
      // No deadline where it could never fire first (in-process.ts); the failure is still the store's.
      const bound = answersInProcess(method)
        ? (operation: Promise<unknown>) => operation.catch(rejectAsUnavailable)
        : (operation: Promise<unknown>) => deadlines.bound(operation);
      const wrapper = (...args: unknown[]) => {
        let result: unknown;
        try {
          result = method.apply(target, args);
        } catch (error) {
          result = Promise.reject(error);
        }
        const bounded = bound(result instanceof Promise ? result : Promise.resolve(result));
        return property === "acquireLock"
          ? bounded.then((lock) => guardLock(lock as Lock | undefined))
          : bounded;
      };
      wrappers.set(property, { method: value, wrapper });
      return wrapper;
    },
  });
}
