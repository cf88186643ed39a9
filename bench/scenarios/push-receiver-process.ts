import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import { createLogin } from "wechat-login";
import { loginRoutes } from "wechat-login/adapters/hono";
import { memoryStore } from "wechat-login/stores/memory";
import { sendReady, serveParent } from "../lib/child.js";
import { WEBSITE } from "../lib/emulator.js";
import { PUSH_ACCOUNT, type PushServerSpec } from "./push-spec.js";
import { REDIRECT_URI } from "./server-spec.js";

// Scenario 7's server: the flow's push receiver (safe mode, dedupe in the store, onEvent), or a bare route.
const spec = JSON.parse(process.argv[2]!) as PushServerSpec;
const app = new Hono();
let closeApp: () => Promise<void> = async () => undefined;
if (spec.mode === "flow") {
  const store = memoryStore();
  let events = 0;
  const login = createLogin({
    ...WEBSITE,
    redirectUri: REDIRECT_URI,
    store,
    sessionSecret: "b".repeat(64),
    officialAccount: {
      appid: PUSH_ACCOUNT.appid,
      secret: PUSH_ACCOUNT.secret,
      token: PUSH_ACCOUNT.token,
      encodingAESKey: PUSH_ACCOUNT.encodingAesKey,
      originalId: PUSH_ACCOUNT.originalId,
      followLogin: { variants: ["code"] },
      onEvent: () => {
        events++;
      },
    },
  });
  app.use(loginRoutes(login));
  closeApp = async () => {
    await login.close();
    await store.close();
  };
  serveParent(
    async () => ({ events }),
    async () => {
      server.close();
      await closeApp();
    },
  );
} else {
  // What a site without our receiver would do at best: answer `success`, checking nothing.
  app.post("/auth/mp/events", async (c) => {
    await c.req.text();
    return c.text("success");
  });
  serveParent(
    async () => ({ events: 0 }),
    async () => {
      server.close();
    },
  );
}
const server = createAdaptorServer({ fetch: app.fetch });
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const { port } = server.address() as AddressInfo;
sendReady({ url: `http://127.0.0.1:${port}/auth/mp/events` });
