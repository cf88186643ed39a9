import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Child, startChild } from "../lib/child.js";
import { abba, type LoadResult } from "../lib/load.js";
import { callbackPhase, type LoginServerReady, sessionPhase } from "../scenarios/login-server.js";
import type { ServerSpec } from "../scenarios/server-spec.js";

/**
 * This checkout's login flow against another build's, by CPU time: both flow servers of scenario 5 side
 * by side on one emulator (each in a process of its own), `rounds` rounds of A-B-B-A after a warm-up.
 * For a change whose cost callgrind does not count (a system call, a native object: see bench/README.md
 * on `/callback`). Two copies of one build measure about 0.99× against each other here.
 *
 *   # the other build: a checkout of the commit before, built the same way
 *   git worktree add /tmp/before HEAD~1 && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   (cd /tmp/before && npm run build && npx tsc -p bench/tsconfig.json)
 *   npm run build && npx tsc -p bench/tsconfig.json
 *   node bench/.out/tools/compare-builds.js /tmp/before callback   # or: session; [rounds] [size] [warm]
 *
 * `size`: logins per phase for `callback`, milliseconds per phase for `session`.
 */
const USAGE = "usage: compare-builds <other checkout> [callback|session] [rounds] [size] [warm]";
const [other, route = "callback", roundsArg = "10", sizeArg = "", warmArg = ""] = process.argv.slice(2);
const rounds = Number(roundsArg);
const size = Number(sizeArg || (route === "callback" ? 800 : 700));
const warm = Number(warmArg || (route === "callback" ? 3000 : 2000));
const otherServer = other && join(resolve(other), "bench/.out/scenarios/login-server-process.js");
if (
  !otherServer ||
  (route !== "callback" && route !== "session") ||
  ![rounds, size, warm].every((value) => Number.isInteger(value) && value > 0)
)
  throw new Error(`${USAGE}; each number a whole number > 0`);
if (!existsSync(otherServer)) throw new Error(`${otherServer} is missing: build that checkout and its bench`);

const children: Child<unknown>[] = [];
try {
  const emulator = await startChild<{ url: string }>(
    fileURLToPath(new URL("../lib/emulator-process.js", import.meta.url)),
  );
  children.push(emulator);
  const spec: ServerSpec = {
    mode: "flow",
    store: { kind: "memory" },
    emulator: emulator.ready.url,
    sessions: 64,
  };
  const start = (module: string) => startChild<LoginServerReady>(module, [JSON.stringify(spec)]);
  const ours = await start(fileURLToPath(new URL("../scenarios/login-server-process.js", import.meta.url)));
  children.push(ours);
  const theirs = await start(otherServer);
  children.push(theirs);
  const phase = async (server: Child<LoginServerReady>, amount: number): Promise<LoadResult> => {
    const { result, wrong } =
      route === "callback"
        ? await callbackPhase(server, emulator.ready.url, 32, amount)
        : await sessionPhase(server, 32, amount / 1000);
    if (wrong > 0) throw new Error(`${wrong} wrong answers on /auth/${route}`);
    return result;
  };
  for (const server of [ours, theirs]) await phase(server, warm);
  const { a, b } = await abba(
    rounds,
    () => phase(ours, size),
    () => phase(theirs, size),
  );
  const line = (name: string, result: LoadResult) =>
    `${name}: ${result.cpuUsPerCall.toFixed(1)} µs CPU per request, ${Math.round(result.callsPerSec)} req/s`;
  console.log(line("this build ", a));
  console.log(line("other build", b));
  console.log(
    `/auth/${route} this ÷ other: CPU per request ${(a.cpuUsPerCall / b.cpuUsPerCall).toFixed(3)}×, req/s ${(a.callsPerSec / b.callsPerSec).toFixed(3)}×`,
  );
} finally {
  await Promise.all(children.map((child) => child.stop()));
}
