import { afterEach, beforeEach, describe } from "vitest";
import type { Store } from "../../src/stores/types.js";
import { describeAttempts } from "./conformance/attempts.js";
import type { StoreFixture } from "./conformance/fixture.js";
import { describeIdentities } from "./conformance/identities.js";
import { describeLocks } from "./conformance/locks.js";
import { describeModel } from "./conformance/model.js";
import { describePurge } from "./conformance/purge.js";
import { describeRateLimits } from "./conformance/rate-limits.js";
import { describeSessions } from "./conformance/sessions.js";
import { describeStates } from "./conformance/states.js";
import { describeTokens } from "./conformance/tokens.js";

export interface StoreUnderTest {
  store: Store;
  /** Closes the store and removes whatever the test wrote (file, key prefix, schema). */
  cleanup(): Promise<void>;
  /**
   * Opens a second, independent store on the same backend (another
   * connection, as another process would): used to check atomicity across
   * instances. Absent for the memory store, which shares nothing.
   */
  sibling?(): Promise<Store>;
}

/**
 * The behaviour every `Store` promises (src/stores/types.ts). Each store's
 * test file calls this with a factory that opens a fresh, empty store.
 */
export function describeStoreConformance(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`${name} store conformance`, () => {
    let subject: StoreUnderTest;
    let siblings: Store[];
    let current: StoreFixture;

    beforeEach(async () => {
      subject = await makeStore();
      siblings = [];
      current = {
        store: subject.store,
        now: Date.now(),
        openSibling: async () => {
          if (!subject.sibling) return subject.store;
          const sibling = await subject.sibling();
          siblings.push(sibling);
          return sibling;
        },
      };
    });

    afterEach(async () => {
      for (const sibling of siblings) await sibling.close();
      await subject.cleanup();
    });

    const fixture = () => current;
    describeStates(fixture);
    describeSessions(fixture);
    describeIdentities(fixture);
    describeTokens(fixture);
    describeLocks(fixture);
    describePurge(fixture);
    describeRateLimits(fixture);
    describeAttempts(fixture);
    describeModel(fixture);
  });
}
