import { execFileSync, fork } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { Agent, get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ServerSpec } from "../scenarios/server-spec.js";

/**
 * Machine instructions per `/auth/session` request of scenario 5's login server (`flow` or `bare`),
 * counted by valgrind's callgrind: unlike req/s or CPU time, the count does not move with the load other
 * processes put on the machine, so two builds can be compared on a busy one. One connection, one request
 * at a time (or `connections` at once, as scenario 5's 32); a warm-up with instrumentation off (so the JIT
 * has settled), then `count` requests counted.
 *
 *   npm run build && npx tsc -p bench/tsconfig.json
 *   node bench/.out/tools/instructions.js flow memory   # and: bare memory, flow sqlite, bare sqlite
 *   node bench/.out/tools/instructions.js flow memory 3000 3000 32
 *
 * Needs valgrind (`apt-get install valgrind`). Counts are of the whole server process, V8's compiler
 * threads included, so a short warm-up inflates them; the defaults (2,000 + 1,000) repeat within ~1 %.
 */
const [mode = "flow", storeKind = "memory", warmArg = "2000", countArg = "1000", connectionsArg = "1"] =
  process.argv.slice(2);
if (mode !== "flow" && mode !== "bare")
  throw new Error("usage: instructions flow|bare [store] [warm] [count] [connections]");
const warm = Number(warmArg);
const count = Number(countArg);
const connections = Number(connectionsArg);
if (![warm, count, connections].every((value) => Number.isInteger(value) && value > 0))
  throw new Error(
    "usage: instructions flow|bare [store] [warm] [count] [connections], each a whole number > 0",
  );
const dir = mkdtempSync(join(tmpdir(), "wechat-login-instructions-"));
if (storeKind !== "memory" && storeKind !== "sqlite") throw new Error("store: memory or sqlite");
const store: ServerSpec["store"] =
  storeKind === "sqlite" ? { kind: "sqlite", filename: join(dir, "login.db") } : { kind: "memory" };
// No WeChat call is made by /session: the emulator address is never dialled.
const spec: ServerSpec = { mode, store, emulator: "http://127.0.0.1:9", sessions: 64 };
const server = fork(
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
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  },
);
try {
  const [ready] = (await once(server, "message")) as [{ url: string; sessions: string[] }];
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
  // `total` requests, `connections` of them in flight at a time.
  const run = async (total: number) => {
    let left = total;
    const loop = async () => {
      while (left-- > 0) await one();
    };
    await Promise.all(Array.from({ length: connections }, loop));
  };
  await run(warm);
  const pid = String(server.pid);
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
    `${mode} /auth/session on ${storeKind}: ${(total / count / 1000).toFixed(1)}k instructions per request`,
  );
  agent.destroy();
} finally {
  server.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
}
