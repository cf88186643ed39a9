import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createLogin } from "wechat-login";
import { toWebRequest } from "wechat-login/adapters/node";
import { memoryStore } from "wechat-login/stores/memory";
// The gateway is the CLI's (`wechat-login proxy`), not a package export: it is imported from the built files.
import type * as GatewayModule from "../../dist/gateway/index.js";
import { sendReady, serveParent } from "../lib/child.js";
import { WEBSITE } from "../lib/emulator.js";
import type { GatewayChildSpec } from "./gateway-spec.js";

const DAY_MS = 24 * 3600 * 1000;
const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const random = () => randomBytes(32).toString("hex");
const spec = JSON.parse(process.argv[2]!) as GatewayChildSpec;

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
const closeServer = (server: Server) =>
  new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
const unknownRequest = async (message: { type: string }): Promise<never> => {
  throw new Error(`unknown request ${message.type}`);
};

if (spec.role === "upstream") {
  // The protected app: as small an answer as there is, so what is measured is the proxy in front of it.
  const server = createServer((_req, res) => res.end("ok"));
  const url = await listen(server);
  serveParent(unknownRequest, () => closeServer(server));
  sendReady({ url });
} else {
  const dist = new URL("../../../dist/gateway/index.js", import.meta.url);
  const { startGateway } = (await import(dist.href)) as typeof GatewayModule;
  const store = memoryStore();
  const sessionSecret = random();
  // One port for the gateway, known before it starts: its public origin (and so its cookies' names) is that origin.
  const probe = createServer();
  const site = await listen(probe);
  await closeServer(probe);
  const gateway = await startGateway({
    appid: WEBSITE.appid,
    secret: WEBSITE.secret,
    publicOrigin: site,
    sessionSecret,
    store,
    host: "127.0.0.1",
    port: Number(new URL(site).port),
    upstream: spec.upstream,
    trustProxy: "127.0.0.1",
    openBase: spec.emulator,
    apiBase: spec.emulator,
  });
  // The baseline: the same session read as the gateway's (login.getSession on a Web Request made by the same
  // bridge), answering 200 with the gateway's header set, so both answers weigh the same.
  const login = createLogin({
    ...WEBSITE,
    redirectUri: `${site}/_wl/callback`,
    sessionSecret,
    store,
    routePrefix: "/_wl",
    openBase: spec.emulator,
    apiBase: spec.emulator,
  });
  const now = Date.now();
  const openid = `obench${random().slice(0, 22)}`;
  const { user } = await store.linkIdentity({
    appid: WEBSITE.appid,
    openid,
    unionid: undefined,
    profile: { nickname: "bench", headimgurl: "" },
    now,
  });
  const session = random();
  await store.putSession({
    idHash: sha256(session),
    userId: user.id,
    appid: WEBSITE.appid,
    openid,
    createdAt: now,
    // Far from its renewal point: every decision reads and never writes.
    idleExpiresAt: now + 7 * DAY_MS,
    absoluteExpiresAt: now + 30 * DAY_MS,
  });
  const cookie = `wl_session=${session}`;
  const forwarded = {
    "x-forwarded-method": "GET",
    "x-forwarded-uri": "/app/page",
    "x-forwarded-host": new URL(site).host,
    "x-forwarded-proto": "http",
    cookie,
  };
  const check = await fetch(`${gateway.url}/_wl/auth`, { headers: forwarded });
  if (check.status !== 200)
    throw new Error(`the seeded session is not let through: /_wl/auth ${check.status}`);
  const headers = Object.fromEntries(check.headers);
  for (const name of ["date", "connection", "keep-alive", "content-length", "transfer-encoding"])
    delete headers[name];
  await check.arrayBuffer();
  const bare = createServer(async (req, res) => {
    const found = await login.getSession(toWebRequest(req, { body: null }));
    res.writeHead(found ? 200 : 401, headers).end();
  });
  const bareUrl = await listen(bare);
  serveParent(unknownRequest, async () => {
    await closeServer(bare);
    await gateway.close();
    await login.close();
    await store.close();
  });
  sendReady({ gateway: gateway.url, bare: bareUrl, cookie, forwarded });
}
