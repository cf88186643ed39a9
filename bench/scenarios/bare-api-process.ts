import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { sendReady, serveParent } from "../lib/child.js";

/** What the bare server answers on one path: the emulator's own answer, captured once. */
export interface CannedAnswer {
  path: string;
  body: string;
  contentType: string;
}

// Scenario 6's baseline: the emulator's server stack (Hono on @hono/node-server) with one route per
// path that serializes the same JSON and nothing else: no state, log, faults, clock or checks.
const answers = JSON.parse(process.argv[2]!) as CannedAnswer[];
const app = new Hono();
for (const { path, body, contentType } of answers) {
  const json: unknown = JSON.parse(body);
  app.get(path, (c) => c.body(JSON.stringify(json), 200, { "content-type": contentType }));
}
const server = createAdaptorServer({ fetch: app.fetch });
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as AddressInfo;

serveParent(
  async (message) => {
    throw new Error(`unknown request ${message.type}`);
  },
  () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    }),
);
sendReady({ url: `http://127.0.0.1:${port}` });
