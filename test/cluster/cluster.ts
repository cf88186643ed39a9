import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { confirmOnPhone } from "../support/confirm.js";
import { type TcpProxy, tcpProxy } from "../support/tcp-proxy.js";
import type { ClusterBackend } from "./backends.js";
import type { ClusterBrowser } from "./browser.js";
import { compileCli, type LoginServer, startLoginServer, twoPorts } from "./servers.js";

/**
 * Two instances of `wechat-login start --no-emulator` sharing one store
 * (through a proxy the test controls, for a single server), logging in through an in-process
 * emulator. WECHAT_REDIRECT_URI points at B: in production it is the load
 * balancer's URL, and here B plays the instance the balancer picked.
 */
export interface Cluster {
  emulator: RunningEmulator;
  /** Between the instances and a single-server backend; absent for Redis Cluster and Sentinel, whose clients find their nodes themselves. */
  proxy: TcpProxy | undefined;
  a: LoginServer;
  b: LoginServer;
  backend: ClusterBackend;
  /** Where WeChat sends the browser back. */
  redirectUri: string;
  close(): Promise<void>;
}

export async function startCluster(backend: ClusterBackend): Promise<Cluster> {
  const cleanups: (() => Promise<void>)[] = [backend.cleanup];
  const close = async () => {
    // Every step runs even if one fails: child processes and ports must not outlive the suite.
    const results = await Promise.allSettled(cleanups.reverse().map((cleanup) => cleanup()));
    const failed = results.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
  };
  try {
    const emulator = await startEmulator({ port: 0, host: "127.0.0.1" });
    cleanups.push(() => emulator.close());
    const app = emulator.apps.find((candidate) => candidate.kind === "website" && candidate.openAccount);
    if (!app) throw new Error("the emulator has no website app");
    const proxy = backend.target ? await tcpProxy(backend.target) : undefined;
    if (proxy) cleanups.push(() => proxy.close());
    const compiled = compileCli();
    cleanups.push(async () => compiled.remove());
    const [portA, portB] = await twoPorts();
    const redirectUri = `http://127.0.0.1:${portB}/auth/callback`;
    const env = {
      WECHAT_APPID: app.appid,
      WECHAT_SECRET: app.secret,
      WECHAT_REDIRECT_URI: redirectUri,
      WECHAT_OPEN_BASE: emulator.url,
      WECHAT_API_BASE: emulator.url,
      SESSION_SECRET: "cluster-test-session-secret-0123456789abcdef",
      STORE_URL: backend.storeUrl(proxy?.port),
    };
    const started = await Promise.allSettled([
      startLoginServer(compiled.cli, "A", portA, env),
      startLoginServer(compiled.cli, "B", portB, env),
    ]);
    for (const result of started) {
      if (result.status === "fulfilled") cleanups.push(() => result.value.stop());
    }
    const [a, b] = started;
    if (a.status === "rejected") throw a.reason;
    if (b.status === "rejected") throw b.reason;
    return { emulator, proxy, a: a.value, b: b.value, backend, redirectUri, close };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/**
 * GET /auth/login on `server`, then what a user confirming on the phone does.
 * Returns the callback URL WeChat sends the browser to, and the state.
 */
export async function beginLogin(
  cluster: Cluster,
  browser: ClusterBrowser,
  server: LoginServer,
): Promise<{ callbackUrl: string; state: string }> {
  const login = await browser.request(`${server.origin}/auth/login`);
  if (login.status !== 302) throw new Error(`${server.name}/auth/login answered ${login.status}`);
  const authorize = new URL(login.headers.get("location") ?? "");
  const location = await confirmOnPhone(cluster.emulator.url, authorize.href);
  return { callbackUrl: location, state: authorize.searchParams.get("state") ?? "" };
}

/** The same callback URL, answered by `server`: the balancer sending it to another instance. */
export function on(server: LoginServer, url: string): string {
  const moved = new URL(url);
  const origin = new URL(server.origin);
  moved.host = origin.host;
  return moved.toString();
}

/** GET /auth/session on `origin`: the status, and the user id when logged in. */
export async function sessionOf(
  browser: ClusterBrowser,
  origin: string,
): Promise<{ status: number; userId?: string }> {
  const response = await browser.request(`${origin}/auth/session`);
  if (response.status !== 200) {
    await response.body?.cancel();
    return { status: response.status };
  }
  const body = (await response.json()) as { user: { id: string } };
  return { status: 200, userId: body.user.id };
}

/** A whole login: started on `start`, called back on `finish`; returns the callback's status. */
export async function logIn(
  cluster: Cluster,
  browser: ClusterBrowser,
  start: LoginServer,
  finish: LoginServer,
): Promise<number> {
  const { callbackUrl } = await beginLogin(cluster, browser, start);
  const callback = await browser.request(on(finish, callbackUrl));
  await callback.body?.cancel();
  return callback.status;
}
