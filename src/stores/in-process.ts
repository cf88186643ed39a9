/**
 * The methods of stores that answer on the event loop of their caller, with no I/O to wait for
 * (the memory store; SQLite, whose driver is synchronous). A deadline timer can never fire before
 * such a call answers, since the call holds the loop the timer runs on, so the flow does not arm
 * one for them (`store-guard.ts`). Kept per method, not per store: a method replaced or wrapped
 * afterwards (a proxy that delays or hangs a call) is not on the list, and gets its deadline.
 */
const answeringInProcess = new WeakSet<object>();

/** Marks every method `store` has now as answering in-process; returns the store. */
export function markInProcess<T extends object>(store: T): T {
  for (const value of Object.values(store)) {
    if (typeof value === "function") answeringInProcess.add(value);
  }
  return store;
}

/** True for a method of a store made by {@link markInProcess}, as it was then. */
export function answersInProcess(method: unknown): boolean {
  return typeof method === "function" && answeringInProcess.has(method);
}
