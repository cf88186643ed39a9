import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteStore } from "../../src/stores/sqlite.js";
import { runTogether } from "../support/together.js";
import { transpileSources } from "../support/transpile.js";
import { randomId, stateRecord } from "./fixtures.js";

const worker = join(import.meta.dirname, "support", "sqlite-worker.mjs");

interface WorkerResult {
  fresh: string[];
  users: Record<string, string>;
  fencingTokens: number[];
  rateAllowed: number;
}

describe("sqlite store shared by several processes", () => {
  let compiled: ReturnType<typeof transpileSources>;
  let dir: string;
  beforeAll(() => {
    compiled = transpileSources(["protocol", "stores"]);
    dir = mkdtempSync(join(tmpdir(), "wechat-login-processes-"));
  });
  afterAll(() => {
    compiled.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives each state to one process, one user per identity, increasing fencing tokens, and one rate-limit count", async () => {
    const filename = join(dir, "shared.db");
    const now = Date.now();
    const setup = await sqliteStore({ filename });
    const states = Array.from({ length: 200 }, () => stateRecord(now));
    for (const record of states) await setup.putState(record);
    await setup.close();

    const job = {
      now,
      appid: "wx00000000000000aa",
      states: states.map((record) => record.state),
      openids: Array.from({ length: 20 }, () => `o_${randomId(8)}`),
      lockRounds: 20,
      rateRule: { name: "race", points: 50, durationSeconds: 60 },
      rateHits: 40,
      workers: 4,
    };
    const outputs = await runTogether(
      Array.from({ length: job.workers }, (_, index) => [
        worker,
        join(compiled.outDir, "stores"),
        filename,
        String(index),
        JSON.stringify(job),
      ]),
    );
    const results = outputs.map((stdout) => JSON.parse(stdout) as WorkerResult);

    expect(results.filter((result) => result.fresh.length > 0).length).toBeGreaterThan(1);
    const fresh = results.flatMap((result) => result.fresh);
    expect(fresh.sort()).toEqual([...job.states].sort());
    for (const openid of job.openids) {
      expect(new Set(results.map((result) => result.users[openid])).size).toBe(1);
    }
    const tokens = results.flatMap((result) => result.fencingTokens);
    expect(new Set(tokens).size).toBe(tokens.length);
    // 160 hits from four processes on one file: exactly the rule's 50 are allowed, whoever made them.
    expect(results.reduce((sum, result) => sum + result.rateAllowed, 0)).toBe(50);
    const reopened = await sqliteStore({ filename });
    const lock = await reopened.acquireLock("race", 1_000);
    expect(lock!.fencingToken).toBe(Math.max(...tokens) + 1);
    await reopened.close();
  }, 30_000);
});
