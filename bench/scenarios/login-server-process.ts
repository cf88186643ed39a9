import { createHash, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { createLogin } from "wechat-login";
import { loginRoutes } from "wechat-login/adapters/hono";
import type { Store } from "wechat-login/stores";
import { sendReady, serveParent } from "../lib/child.js";
import { WEBSITE } from "../lib/emulator.js";
import { bareRoutes } from "./bare-routes.js";
import { REDIRECT_URI, type ServerSpec } from "./server-spec.js";
import { openStore } from "./stores.js";

const DAY_MS = 24 * 3600 * 1000;

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");
const random = () => randomBytes(32).toString("hex");

/** Logged-in users, written straight to the store so both servers read the same kind of rows. */
async function seedSessions(store: Store, count: number): Promise<string[]> {
  const now = Date.now();
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const openid = `obench${random().slice(0, 22)}`;
    const { user } = await store.linkIdentity({
      appid: WEBSITE.appid,
      openid,
      unionid: undefined,
      profile: { nickname: `user ${index}`, headimgurl: "" },
      now,
    });
    const id = random();
    await store.putSession({
      idHash: sha256(id),
      userId: user.id,
      appid: WEBSITE.appid,
      openid,
      createdAt: now,
      // Far from its renewal point: /session then reads and never writes, in both servers.
      idleExpiresAt: now + 7 * DAY_MS,
      absoluteExpiresAt: now + 30 * DAY_MS,
    });
    ids.push(id);
  }
  return ids;
}

/** Logins in progress, as `/login` would have written them: the state and the browser's pre-login secret. */
async function seedStates(store: Store, count: number) {
  const now = Date.now();
  const states: { state: string; secret: string }[] = [];
  for (let index = 0; index < count; index++) {
    const state = random();
    const secret = random();
    await store.putState({
      state,
      browserBinding: sha256(secret),
      returnTo: "/",
      appid: WEBSITE.appid,
      restarted: false,
      createdAt: now,
      expiresAt: now + 600_000,
    });
    states.push({ state, secret });
  }
  return states;
}

const spec = JSON.parse(process.argv[2]!) as ServerSpec;
const store = await openStore(spec.store);
const app = new Hono();
let closeApp: () => Promise<void>;
if (spec.mode === "flow") {
  const login = createLogin({
    ...WEBSITE,
    redirectUri: REDIRECT_URI,
    store,
    sessionSecret: random(),
    openBase: spec.emulator,
    apiBase: spec.emulator,
    // autocannon floods from one address: limits that never refuse keep the counting's cost in the measurement.
    rateLimit: {
      login: { points: 1_000_000_000, durationSeconds: 60 },
      callback: { points: 1_000_000_000, durationSeconds: 60 },
      statesPerClient: 1_000_000_000,
    },
  });
  app.use(loginRoutes(login));
  closeApp = () => login.close();
} else {
  const bare = bareRoutes(store, spec.emulator);
  app.route("/", bare.app);
  closeApp = bare.close;
}
const server = createAdaptorServer({ fetch: app.fetch });
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as AddressInfo;
const sessions = await seedSessions(store, spec.sessions);

serveParent(
  async (message) => {
    if (message.type === "seedStates") return { states: await seedStates(store, message.count as number) };
    throw new Error(`unknown request ${message.type}`);
  },
  async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    });
    await closeApp();
    await store.close();
  },
);
sendReady({ url: `http://127.0.0.1:${port}`, sessions });
