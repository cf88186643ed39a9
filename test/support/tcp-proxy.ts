import { connect, createServer, type Server, type Socket } from "node:net";

/** A TCP proxy a test can cut and restore, to take a backend away from servers that keep running. */
export interface TcpProxy {
  readonly port: number;
  /** Connections accepted so far (to see that clients came back after a restore). */
  readonly accepted: number;
  /** Refuses new connections and drops the open ones, as a dead or partitioned backend does. */
  cut(): Promise<void>;
  /** Listens again on the same port, so clients reconnect to the address they were given. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function tcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let server: Server | undefined;
  let port = 0;

  const pipe = (client: Socket) => {
    accepted += 1;
    const upstream = connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      // A reset on either side ends both, as it would on a real network path.
      socket.on("error", () => undefined);
      socket.on("close", () => {
        sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer(pipe);
      next.once("error", reject);
      next.listen(port, "127.0.0.1", () => {
        const address = next.address();
        if (typeof address !== "object" || address === null) return reject(new Error("proxy has no port"));
        port = address.port;
        server = next;
        resolve();
      });
    });

  const cut = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      if (!server) return resolve();
      const closing = server;
      server = undefined;
      closing.close(() => resolve());
    });

  await listen();
  return {
    get port() {
      return port;
    },
    get accepted() {
      return accepted;
    },
    cut,
    restore: listen,
    close: cut,
  };
}
