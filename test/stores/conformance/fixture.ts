import type { Store } from "../../../src/stores/types.js";

export interface StoreFixture {
  /** A fresh, empty store, opened for this test. */
  store: Store;
  /** `Date.now()` when the test started; tests pass times relative to it. */
  now: number;
  /** Another store on the same backend (closed after the test), or the same store when the backend shares nothing. */
  openSibling(): Promise<Store>;
}

/** Sections read the fixture inside each test: it is rebuilt before every one. */
export type Fixture = () => StoreFixture;

export const appA = "wx00000000000000aa";
export const appB = "wx00000000000000bb";
