import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { TokenRecord } from "../../../src/protocol/records.js";
import type { ConsumeStateResult, SessionRecord, StateRecord, Store } from "../../../src/stores/types.js";
import { randomId, sessionRecord, stateRecord, tokenRecord } from "../fixtures.js";
import type { Fixture } from "./fixture.js";

/**
 * Random sequences of calls, replayed on the store and on a plain model of
 * the contract (types.ts), must give the same answers. Times are drawn from
 * a few instants so expiries land exactly on `now` often.
 */
type Op =
  | { kind: "putState"; key: number; created: number; ttl: number }
  | { kind: "consumeState"; key: number; at: number }
  | { kind: "completeState"; key: number }
  | { kind: "putSession"; key: number; idle: number; absolute: number }
  | { kind: "getSession"; key: number; at: number }
  | { kind: "touchSession"; key: number; idle: number }
  | { kind: "deleteSession"; key: number }
  | {
      kind: "putToken";
      key: number;
      access: number;
      accessExpires: number;
      refreshExpires: number | undefined;
    }
  | { kind: "getToken"; key: number; at: number }
  | { kind: "expireToken"; key: number; access: number };

const second = 1_000;
const key = fc.integer({ min: 0, max: 1 });
const instant = fc.constantFrom(0, 1, 5, 10, 20).map((s) => s * second);
const later = fc.constantFrom(1, 5, 10, 20).map((s) => s * second);

const stateOps: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("putState" as const), key, created: instant, ttl: later }),
  fc.record({ kind: fc.constant("consumeState" as const), key, at: instant }),
  fc.record({ kind: fc.constant("completeState" as const), key }),
);

const sessionOps: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("putSession" as const), key, idle: later, absolute: later }),
  fc.record({ kind: fc.constant("getSession" as const), key, at: instant }),
  fc.record({ kind: fc.constant("touchSession" as const), key, idle: later }),
  fc.record({ kind: fc.constant("deleteSession" as const), key }),
);

const tokenOps: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("putToken" as const),
    key,
    access: fc.integer({ min: 0, max: 1 }),
    accessExpires: later,
    refreshExpires: fc.option(later, { nil: undefined }),
  }),
  fc.record({ kind: fc.constant("getToken" as const), key, at: instant }),
  fc.record({ kind: fc.constant("expireToken" as const), key, access: fc.integer({ min: 0, max: 1 }) }),
);

class Model {
  states = new Map<string, { record: StateRecord; used: boolean; sessionIdHash: string | undefined }>();
  sessions = new Map<string, SessionRecord>();
  tokens = new Map<string, TokenRecord>();

  consume(state: string, now: number): ConsumeStateResult {
    const stored = this.states.get(state);
    if (!stored || stored.record.expiresAt <= now) return { status: "missing" };
    if (stored.used) return { status: "used", record: stored.record, sessionIdHash: stored.sessionIdHash };
    stored.used = true;
    return { status: "fresh", record: stored.record };
  }
}

async function replay(store: Store, base: number, ops: Op[]): Promise<void> {
  const run = randomId(4);
  const model = new Model();
  const name = (kind: string, k: number) => `${run}-${kind}-${k}`;
  for (const step of ops) {
    switch (step.kind) {
      case "putState": {
        const record = stateRecord(base + step.created, {
          state: name("state", step.key),
          expiresAt: base + step.created + step.ttl,
        });
        model.states.set(record.state, { record, used: false, sessionIdHash: undefined });
        await store.putState(record);
        break;
      }
      case "consumeState": {
        const state = name("state", step.key);
        expect(await store.consumeState(state, base + step.at), JSON.stringify(step)).toEqual(
          model.consume(state, base + step.at),
        );
        break;
      }
      case "completeState": {
        const state = name("state", step.key);
        const sessionIdHash = randomId(32);
        const stored = model.states.get(state);
        if (stored) stored.sessionIdHash = sessionIdHash;
        await store.completeState(state, sessionIdHash);
        break;
      }
      case "putSession": {
        const record = sessionRecord(base, {
          idHash: name("session", step.key),
          idleExpiresAt: base + step.idle,
          absoluteExpiresAt: base + step.absolute,
        });
        model.sessions.set(record.idHash, record);
        await store.putSession(record);
        break;
      }
      case "getSession": {
        const stored = model.sessions.get(name("session", step.key));
        const now = base + step.at;
        const alive =
          stored && stored.idleExpiresAt > now && stored.absoluteExpiresAt > now ? stored : undefined;
        expect(await store.getSession(name("session", step.key), now), JSON.stringify(step)).toEqual(alive);
        break;
      }
      case "touchSession": {
        const stored = model.sessions.get(name("session", step.key));
        if (stored) {
          const idle = Math.min(Math.max(stored.idleExpiresAt, base + step.idle), stored.absoluteExpiresAt);
          model.sessions.set(stored.idHash, { ...stored, idleExpiresAt: idle });
        }
        await store.touchSession(name("session", step.key), base + step.idle);
        break;
      }
      case "deleteSession":
        model.sessions.delete(name("session", step.key));
        await store.deleteSession(name("session", step.key));
        break;
      case "putToken": {
        const record = tokenRecord(base, {
          key: name("token", step.key),
          accessToken: `access-${step.access}`,
          accessExpiresAt: base + step.accessExpires,
          refreshExpiresAt: step.refreshExpires === undefined ? undefined : base + step.refreshExpires,
          refreshToken: step.refreshExpires === undefined ? undefined : "refresh",
        });
        model.tokens.set(record.key, record);
        await store.putToken(record);
        break;
      }
      case "getToken": {
        const stored = model.tokens.get(name("token", step.key));
        const now = base + step.at;
        const alive =
          stored && (stored.refreshExpiresAt ?? stored.accessExpiresAt) > now ? stored : undefined;
        expect(await store.getToken(name("token", step.key), now), JSON.stringify(step)).toEqual(alive);
        break;
      }
      case "expireToken": {
        const stored = model.tokens.get(name("token", step.key));
        const matches = stored?.accessToken === `access-${step.access}`;
        if (matches) model.tokens.delete(name("token", step.key));
        expect(await store.expireToken(name("token", step.key), `access-${step.access}`)).toBe(matches);
        break;
      }
    }
  }
}

export function describeModel(fixture: Fixture): void {
  describe("against a model of the contract", () => {
    it.each([
      ["states", stateOps],
      ["sessions", sessionOps],
      ["tokens", tokenOps],
    ])("answers random sequences of %s calls as the contract says", async (_, ops) => {
      const { store, now } = fixture();
      await fc.assert(
        fc.asyncProperty(fc.array(ops, { minLength: 5, maxLength: 25, size: "max" }), (steps) =>
          replay(store, now, steps),
        ),
        { numRuns: 60 },
      );
    });
  });
}
