import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/stores/types.js";
import {
  BACKENDS,
  type Backend,
  ClientAt,
  guessedCallback,
  type Site,
  startSite,
  statuses,
} from "./rate-limit-support.js";

// The defaults: 100 per minute plus a burst of 100 per ten minutes, for /login and for /callback.
const ALLOWED_IN_A_FLOOD = 200;

describe.each(BACKENDS)("rate limits on the $name store", (kind) => {
  let available = true;
  let backend: Backend;
  let site: Site;
  const clients: ClientAt[] = [];
  const client = (address: string) => {
    const made = new ClientAt(address);
    clients.push(made);
    return made;
  };

  beforeAll(async () => {
    const check = await kind.check();
    available = check.available;
    if (!available) return;
    backend = await kind.open();
    site = await startSite(backend.store);
  });
  afterAll(async () => {
    await Promise.all(clients.map((made) => made.close()));
    await site?.close();
    await backend?.cleanup();
  });

  it("answers a 300-request /login flood with 429 and Retry-After, and keeps the states it holds bounded", async ({
    skip,
  }) => {
    if (!available) skip();
    const flooder = client("127.0.0.2");
    const answers = await flooder.flood(() => `${site.url}/auth/login`, 300);
    expect(statuses(answers)).toEqual({ 302: ALLOWED_IN_A_FLOOD, 429: 300 - ALLOWED_IN_A_FLOOD });
    for (const refused of answers.filter((answer) => answer.status === 429)) {
      expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(refused.retryAfter)).toBeLessThanOrEqual(60);
      expect(refused.body).toContain('data-outcome="rate_limited"');
    }
    expect(await backend.countStates()).toBe(ALLOWED_IN_A_FLOOD);

    // Another address is its own client: not limited by the flood.
    const neighbour = await client("127.0.0.3").get(`${site.url}/auth/login`);
    expect(neighbour.status).toBe(302);
    expect(await backend.countStates()).toBe(ALLOWED_IN_A_FLOOD + 1);
  });

  it("answers a 300-request /callback flood with 429 and Retry-After, writing nothing", async ({ skip }) => {
    if (!available) skip();
    const before = await backend.countStates();
    const answers = await client("127.0.0.4").flood((index) => guessedCallback(site.url, index), 300);
    // The allowed guesses are told the state is unknown; the rest never reach the store.
    expect(statuses(answers)).toEqual({ 400: ALLOWED_IN_A_FLOOD, 429: 300 - ALLOWED_IN_A_FLOOD });
    expect(
      answers.filter((answer) => answer.status === 429).every((answer) => Number(answer.retryAfter) >= 1),
    ).toBe(true);
    expect(await backend.countStates()).toBe(before);
    // /login has its own count: this client may still start one.
    expect((await client("127.0.0.4").get(`${site.url}/auth/login`)).status).toBe(302);
  });

  it("sweeps expired states from the flow's own requests", async ({ skip }) => {
    if (!available) skip();
    expect(await backend.countStates()).toBeGreaterThan(0);
    // Past every state's expiry on the flow's clock: the next request starts the purge.
    site.clock.offsetMs = 11 * 60_000;
    expect((await client("127.0.0.5").get(`${site.url}/auth/session`)).status).toBe(401);
    await expect.poll(() => backend.countStates(), { timeout: 5_000 }).toBe(0);
  });
});

describe.each(BACKENDS.filter((kind) => kind.name !== "memory"))(
  "two instances on one $name store",
  (kind) => {
    let available = true;
    let backend: Backend;
    let sites: Site[] = [];
    let client: ClientAt;

    beforeAll(async () => {
      available = (await kind.check()).available;
      if (!available) return;
      backend = await kind.open();
      const stores: Store[] = [backend.store, await backend.sibling()];
      sites = await Promise.all(stores.map((store) => startSite(store)));
      client = new ClientAt("127.0.0.6");
    });
    afterAll(async () => {
      await client?.close();
      await Promise.all(sites.map((site) => site.close()));
      await backend?.cleanup();
    });

    it("share one count: a flood spread over both is limited as if it hit one", async ({ skip }) => {
      if (!available) skip();
      const answers = await client.flood((index) => `${sites[index % 2]!.url}/auth/login`, 300);
      expect(statuses(answers)).toEqual({ 302: ALLOWED_IN_A_FLOOD, 429: 300 - ALLOWED_IN_A_FLOOD });
      // Both instances refused some: neither counted only its own share.
      const refusedBy = [0, 1].map(
        (instance) => answers.filter((a, i) => i % 2 === instance && a.status === 429).length,
      );
      expect(refusedBy.every((refused) => refused > 0)).toBe(true);
      expect(await backend.countStates()).toBe(ALLOWED_IN_A_FLOOD);
    });
  },
);
