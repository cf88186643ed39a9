import { createServer, type IncomingMessage, type RequestListener, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { createSecureContext, type SecureContext, TLSSocket } from "node:tls";
import { WECHAT_HOSTS } from "../../protocol/hosts.js";
import { openLocalCa } from "./ca.js";

/** A listening proxy in front of the emulator. */
export interface RunningProxy {
  /** e.g. `http://127.0.0.1:3128`: what `HTTPS_PROXY` is set to. */
  url: string;
  /** The CA certificate to trust (`NODE_EXTRA_CA_CERTS`, `--cacert`, a truststore). */
  caCertPath: string;
  close(): Promise<void>;
}

const ALLOWED = new Set<string>(WECHAT_HOSTS);
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** `host:port` of a CONNECT line; undefined unless it names a WeChat host on 443. */
function connectTarget(authority: string | undefined): string | undefined {
  const match = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(authority ?? "");
  const host = match?.[1]?.toLowerCase().replace(/\.$/, "");
  return host && ALLOWED.has(host) && match?.[2] === "443" ? host : undefined;
}

/** The WeChat host of an absolute-form request (`GET http://api.weixin.qq.com/...`), else undefined. */
function absoluteTarget(target: string | undefined): string | undefined {
  if (!target || !/^https?:\/\//i.test(target)) return undefined;
  try {
    const url = new URL(target);
    return ALLOWED.has(url.hostname) && (url.port === "" || url.port === "80") ? url.hostname : undefined;
  } catch {
    return undefined;
  }
}

const REFUSAL =
  "wechat-login emulator proxy: only WeChat's hosts are served here, never any other (this is not an open proxy).\n" +
  `Hosts: ${WECHAT_HOSTS.join(", ")} (CONNECT on port 443).\n` +
  "wechat-login 模拟器代理只代理微信的域名，拒绝其他任何域名。\n";

function refusalHead(): string {
  const body = Buffer.byteLength(REFUSAL);
  return `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body}\r\nConnection: close\r\n\r\n${REFUSAL}`;
}

/**
 * An HTTP proxy that stands in for WeChat: `CONNECT` to one of WeChat's hosts
 * is answered here with a certificate for that host from the local CA, and
 * the TLS inside goes to the emulator's own app (`listener`). Every other
 * host is refused with 403; nothing is ever forwarded to the network.
 */
export async function startProxy(options: {
  listener: RequestListener;
  port: number;
  host: string;
  caDir: string;
  urlHost: string;
}): Promise<RunningProxy> {
  const ca = await openLocalCa(options.caDir);
  const contexts = new Map<string, SecureContext>();
  const contextFor = (host: string): SecureContext => {
    let context = contexts.get(host);
    if (!context) {
      context = createSecureContext(ca.leafFor(host));
      contexts.set(host, context);
    }
    return context;
  };
  // Never listens: tunnelled TLS sockets are handed to it once decrypted.
  const inner = createServer(options.listener);
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    // A client that drops the tunnel or distrusts the CA resets the socket; that is its business, not a crash.
    socket.on("error", () => socket.destroy());
  };

  const server: Server = createServer((request, response) => {
    if (!absoluteTarget(request.url)) {
      response.writeHead(403, { "content-type": "text/plain; charset=utf-8", connection: "close" });
      response.end(REFUSAL);
      return;
    }
    // Plain-HTTP proxying of a WeChat URL: the emulator answers it itself.
    options.listener(request, response);
  });
  server.on("connection", track);
  server.on("connect", (request: IncomingMessage, socket: Socket, head: Buffer) => {
    const host = connectTarget(request.url);
    if (!host) {
      socket.end(refusalHead());
      return;
    }
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) socket.unshift(head);
    const tls = new TLSSocket(socket, {
      isServer: true,
      secureContext: contextFor(host),
      ALPNProtocols: ["http/1.1"],
    });
    track(tls);
    // A tunnel that never completes its handshake would otherwise hold its socket until the emulator stops.
    const handshake = setTimeout(() => tls.destroy(), HANDSHAKE_TIMEOUT_MS);
    const settle = () => clearTimeout(handshake);
    tls.once("secure", settle);
    tls.once("close", settle);
    inner.emit("connection", tls);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${options.urlHost}:${port}`,
    caCertPath: ca.certPath,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        inner.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
