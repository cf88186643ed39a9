import type { Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createAdaptorServer, getRequestListener } from "@hono/node-server";
import { createEmulatorApp } from "./app.js";
import type { EmulatorApp as EmulatorAppConfig, EmulatorUser } from "./config.js";
import { defaultCaDir, type EmulatorProxyInfo, type EmulatorProxyOptions } from "./proxy/options.js";
import type { RunningProxy } from "./proxy/server.js";
import type { EmulatorState, EmulatorStateOptions } from "./state.js";
import { publicUser } from "./users.js";

/** Options of {@link startEmulator}. */
export interface StartEmulatorOptions extends EmulatorStateOptions {
  /** TCP port; 0 picks a free one. Default 3001. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1; `0.0.0.0` makes the phone page reachable from the LAN. */
  host?: string;
  /**
   * Also serve an HTTPS proxy for WeChat's own hosts (`api.weixin.qq.com`, ...),
   * so an SDK runs unchanged with `HTTPS_PROXY` and the local CA trusted.
   * Needs the optional peer `node-forge`.
   */
  proxy?: EmulatorProxyOptions;
}

/** A listening emulator. */
export interface RunningEmulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:3001`: use it as both OPEN and API base. */
  url: string;
  /** The configured apps, secrets included (they are fake). */
  apps: EmulatorAppConfig[];
  /** The configured users, avatar URLs made absolute. */
  users: EmulatorUser[];
  /** The live state, for in-process tests that want to look inside. */
  state: EmulatorState;
  /** The proxy, when {@link StartEmulatorOptions.proxy} asked for one. */
  proxy?: EmulatorProxyInfo;
  /** Stops listening and closes every connection, keep-alive ones included. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  // A wildcard bind is reachable on loopback; that is the URL to print and to use from this machine.
  if (host === "0.0.0.0") return "127.0.0.1";
  if (host === "::") return "[::1]";
  return host.includes(":") ? `[${host}]` : host;
}

/**
 * Starts the local WeChat on one origin serving both the OPEN and API paths.
 * @example
 * const emulator = await startEmulator({ port: 0 });
 * const { appid, secret } = emulator.apps[0];
 * // ... point the client at emulator.url ...
 * await emulator.close();
 */
export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const { app, state } = createEmulatorApp(options);
  const host = options.host ?? "127.0.0.1";
  const server = createAdaptorServer({ fetch: app.fetch }) as Server;
  const sockets = new Set<Socket>();
  server.on("connection", (socket: Socket) => {
    state.connections.opened += 1;
    state.connections.open += 1;
    sockets.add(socket);
    socket.once("close", () => {
      state.connections.open -= 1;
      sockets.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 3001, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${port}`;
  let proxy: RunningProxy | undefined;
  if (options.proxy) {
    try {
      // Loaded only when asked for: it pulls in the optional certificate library.
      const { startProxy } = await import("./proxy/server.js");
      proxy = await startProxy({
        listener: getRequestListener(app.fetch),
        port: options.proxy.port,
        host,
        caDir: options.proxy.caDir ?? defaultCaDir(),
        urlHost: urlHost(host),
      });
    } catch (error) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      throw error;
    }
  }
  let closing: Promise<void> | undefined;
  return {
    url,
    ...(proxy ? { proxy: { url: proxy.url, caCertPath: proxy.caCertPath } } : {}),
    apps: [...state.apps.values()].map((entry) => structuredClone(entry)),
    users: [...state.users.values()].map((user) => publicUser(user, url)),
    state,
    close() {
      closing ??= new Promise<void>((resolve) => {
        const stopped = proxy?.close();
        server.close(() => void (stopped ?? Promise.resolve()).then(() => resolve()));
        // Hung and delayed requests would otherwise keep their sockets, and the process, alive.
        state.holds.releaseAll();
        server.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
