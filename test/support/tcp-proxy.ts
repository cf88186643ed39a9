import { connect, createServer, type Server, type Socket } from "node:net";

/** A TCP proxy a test can cut and restore, to take a backend away from servers that keep running. */
export interface TcpProxy {
  readonly port: number;
  /** Refuses new connections and drops the open ones, as a dead or partitioned backend does. */
  cut(): Promise<void>;
  /** Listens again on the same port, so clients reconnect to the address they were given. */
  restore(): Promise<void>;
  /**
   * Stops carrying bytes while keeping every connection open and accepting
   * new ones: a backend that hangs. Nothing is lost; `resume` delivers it late.
   */
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function tcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  const pairs = new Set<[client: Socket, upstream: Socket]>();
  let stalled = false;
  let server: Server | undefined;
  let port = 0;

  const pipe = (client: Socket) => {
    const upstream = connect(target.port, target.host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      // A reset on either side ends both, as it would on a real network path.
      socket.on("error", () => undefined);
      socket.on("close", () => {
        sockets.delete(socket);
        pairs.delete(pair);
        client.destroy();
        upstream.destroy();
      });
    }
    if (stalled) client.pause();
    else link(pair);
  };

  const link = ([client, upstream]: [Socket, Socket]) => {
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const unlink = ([client, upstream]: [Socket, Socket]) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    // Paused sockets leave the bytes in the kernel's buffers, as a stuck peer does.
    client.pause();
    upstream.pause();
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
    cut,
    restore: listen,
    stall: () => {
      stalled = true;
      for (const pair of pairs) unlink(pair);
    },
    resume: () => {
      stalled = false;
      for (const pair of pairs) link(pair);
    },
    close: cut,
  };
}
