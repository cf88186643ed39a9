import { createServer } from "node:net";

// Ports handed out here come from below Linux's ephemeral range (32768–60999), where `listen(0)` and outgoing
// connections never land, in a slice of their own per Vitest worker: a port checked free and then bound a moment
// later by a child process (nginx, Caddy, redis-server, the CLI) cannot be taken in between by a parallel test.
// A Redis Cluster node also binds its bus port (port + 10,000), which stays below the ephemeral range too.
const SLICE_START = 10_000;
const SLICE_SIZE = 1_500;
const worker = Number(process.env.VITEST_POOL_ID ?? "0");
const sliceStart =
  SLICE_START + (Number.isInteger(worker) && worker >= 0 && worker < 8 ? worker : 0) * SLICE_SIZE;
// A random start, because each test file imports this module afresh and may follow one whose servers are still exiting.
let offset = Math.floor(Math.random() * SLICE_SIZE);

function bindsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A port nothing listens on, for a server the test starts later. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < SLICE_SIZE; tries++) {
    const port = sliceStart + (offset++ % SLICE_SIZE);
    if (await bindsFree(port)) return port;
  }
  throw new Error(`no free port in ${sliceStart}–${sliceStart + SLICE_SIZE - 1}`);
}
