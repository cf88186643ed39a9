import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent, get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Child, startChild } from "../lib/child.js";
import { callbackPhase, type LoginServerReady } from "../scenarios/login-server.js";
import type { ServerSpec } from "../scenarios/server-spec.js";

/**
 * Machine instructions per request of scenario 5's login server (`flow` or `bare`), on `/auth/session`
 * or `/auth/callback`, counted by valgrind's callgrind: unlike req/s or CPU time, the count does not
 * move with the load other processes put on the machine, so two builds can be compared on a busy one.
 * `/session`: one connection, one request at a time (or `connections` at once, as scenario 5's 32).
 * `/callback`: logins as scenario 5 makes them (autocannon, states seeded, codes minted by an emulator
 * in a process of its own, not counted). A warm-up with instrumentation off (so the JIT has settled),
 * then `count` requests counted.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json
 *   node bench/.out/tools/instructions.js flow memory   # and: bare memory, flow sqlite, bare sqlite
 *   node bench/.out/tools/instructions.js flow memory 3000 3000 32
 *   node bench/.out/tools/instructions.js flow memory 3000 1000 32 callback
 *
 * Needs valgrind (`apt-get install valgrind`). Counts are of the whole server process, V8's compiler
 * threads included, so a short warm-up inflates them; the defaults (2,000 + 1,000) repeat within ~1 %.
 */
const USAGE = "usage: instructions flow|bare [memory|sqlite] [warm] [count] [connections] [session|callback]";
const [
  mode = "flow",
  storeKind = "memory",
  warmArg = "2000",
  countArg = "1000",
  connectionsArg = "1",
  route = "session",
] = process.argv.slice(2);
const warm = Number(warmArg);
const count = Number(countArg);
const connections = Number(connectionsArg);
if (
  (mode !== "flow" && mode !== "bare") ||
  (storeKind !== "memory" && storeKind !== "sqlite") ||
  (route !== "session" && route !== "callback") ||
  ![warm, count, connections].every((value) => Number.isInteger(value) && value > 0)
)
  throw new Error(`${USAGE}; each number a whole number > 0`);

const dir = mkdtempSync(join(tmpdir(), "wechat-login-instructions-"));
const store: ServerSpec["store"] =
  storeKind === "sqlite" ? { kind: "sqlite", filename: join(dir, "login.db") } : { kind: "memory" };
const children: Child<unknown>[] = [];
try {
  // /session makes no WeChat call: without an emulator its address is never dialled.
  const emulator =
    route === "callback"
      ? await startChild<{ url: string }>(
          fileURLToPath(new URL("../lib/emulator-process.js", import.meta.url)),
        )
      : undefined;
  if (emulator) children.push(emulator);
  const emulatorUrl = emulator?.ready.url ?? "http://127.0.0.1:9";
  const spec: ServerSpec = { mode, store, emulator: emulatorUrl, sessions: 64 };
  const server = await startChild<LoginServerReady>(
    fileURLToPath(new URL("../scenarios/login-server-process.js", import.meta.url)),
    [JSON.stringify(spec)],
    {
      execPath: "valgrind",
      execArgv: [
        "--tool=callgrind",
        "--instr-atstart=no",
        `--callgrind-out-file=${join(dir, "callgrind.%p")}`,
        "-q",
        process.execPath,
      ],
    },
  );
  children.push(server);
  const run = route === "session" ? sessionRun(server.ready) : loginRun(server, emulatorUrl);
  await run(warm);
  const pid = String(server.process.pid);
  execFileSync("callgrind_control", ["-i", "on", pid], { stdio: "ignore" });
  await run(count);
  // A dump holds what was counted since instrumentation went on (turning it off first would lose it).
  execFileSync("callgrind_control", ["-d", pid], { stdio: "ignore" });
  let total = 0;
  for (let attempt = 0; attempt < 50 && total === 0; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const file of readdirSync(dir).filter((name) => name.startsWith("callgrind."))) {
      const summary = /^summary: (\d+)/m.exec(readFileSync(join(dir, file), "utf8"));
      if (summary) total += Number(summary[1]);
    }
  }
  if (total === 0) throw new Error("callgrind counted nothing");
  console.log(
    `${mode} /auth/${route} on ${storeKind}: ${(total / count / 1000).toFixed(1)}k instructions per request`,
  );
} finally {
  for (const child of children) child.process.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}

/** `total` requests to /auth/session, `connections` of them in flight at a time. */
function sessionRun(ready: LoginServerReady) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  let next = 0;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const cookie = `wl_session=${ready.sessions[next++ % ready.sessions.length]}`;
      get(`${ready.url}/auth/session`, { agent, headers: { cookie } }, (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`)),
        );
      }).on("error", reject);
    });
  return async (total: number) => {
    let left = total;
    const loop = async () => {
      while (left-- > 0) await one();
    };
    await Promise.all(Array.from({ length: connections }, loop));
  };
}

/** `total` logins through /auth/callback, as scenario 5 makes them. */
function loginRun(server: Child<LoginServerReady>, emulator: string) {
  return async (total: number) => {
    const { wrong } = await callbackPhase(server, emulator, connections, total);
    if (wrong > 0) throw new Error(`${wrong} of ${total} logins were not answered 302`);
  };
}
