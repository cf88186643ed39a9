import { expect } from "vitest";
import { parseLoginConfig } from "../../src/flow/index.js";
import { memoryStore } from "../../src/stores/memory.js";
import type { TcpProxy } from "../support/tcp-proxy.js";
import type { Cluster } from "./cluster.js";

/** The deadline the CLI's flow gives each store call: createLogin's default, as the CLI sets none. */
export const STORE_DEADLINE_MS = parseLoginConfig({
  appid: "wx0123456789abcdef",
  secret: "0123456789abcdef0123456789abcdef",
  redirectUri: "http://localhost/auth/callback",
  sessionSecret: "0123456789abcdef0123456789abcdef",
  store: memoryStore(),
}).storeTimeoutMs;
/** Room for two loaded CI cores; the point is "seconds, not a hang", not a benchmark. */
export const SLACK_MS = 3_000;

export const UNAVAILABLE = { en: "Service unavailable", "zh-CN": "服务暂时不可用" } as const;

export async function timed(
  pending: Promise<Response>,
): Promise<{ status: number; body: string; ms: number }> {
  const started = performance.now();
  const response = await pending;
  const body = await response.text();
  return { status: response.status, body, ms: performance.now() - started };
}

export function expectAlive(cluster: Cluster): void {
  // A connection error leaking as an unhandled rejection would have killed a process by now.
  for (const server of [cluster.a, cluster.b]) {
    expect(server.child.exitCode, `${server.name} exited:\n${server.output()}`).toBeNull();
  }
}

/** The proxy of a single-server backend: only those tests cut and stall the store's connection. */
export function proxyOf(cluster: Cluster): TcpProxy {
  if (!cluster.proxy) throw new Error(`the ${cluster.backend.name} backend runs without a proxy`);
  return cluster.proxy;
}
