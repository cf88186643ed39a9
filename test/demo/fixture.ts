import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import type { afterAll, beforeAll } from "vitest";
import { type RunningDemo, startDemo } from "../../src/cli/demo-server.js";
import { freePort } from "../support/ports.js";

/**
 * `wechat-login start`'s demo around a file's tests, as the README runs it
 * (emulator included, SQLite) but in a temporary folder and on a free port.
 */
export function useDemo(hooks: {
  beforeAll: typeof beforeAll;
  afterAll: typeof afterAll;
}): () => RunningDemo {
  let demo: RunningDemo | undefined;
  let workdir: string | undefined;
  hooks.beforeAll(async () => {
    workdir = await mkdtemp(join(tmpdir(), "demo-"));
    demo = await startDemo({
      port: await freePort(),
      host: "localhost",
      emulatorPort: 0,
      useEmulator: true,
      env: { STORE_URL: `sqlite:${join(workdir, "demo.db")}` },
      say: () => undefined,
      lang: "en",
      logger: pino({ level: "silent" }),
    });
  });
  hooks.afterAll(async () => {
    await demo?.close();
    if (workdir) await rm(workdir, { recursive: true, force: true });
  });
  return () => {
    if (!demo) throw new Error("demo not started");
    return demo;
  };
}
