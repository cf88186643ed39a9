import { randomBytes } from "node:crypto";
import { Agent } from "node:http";
import type { AddressInfo } from "node:net";
import { RedisStore } from "connect-redis";
import express from "express";
import session from "express-session";
import passport from "passport";
import WechatStrategy from "passport-wechat";
import { createClient } from "redis";
import { createLogin } from "wechat-login";
import { loginRoutes } from "wechat-login/adapters/express";
import { REDIS_URL } from "../lib/backends.js";
import { sendReady, serveParent } from "../lib/child.js";
import { WEBSITE } from "../lib/emulator.js";
import { type ExpressSpec, REDIRECT_URI } from "./server-spec.js";
import { openStore } from "./stores.js";

const random = () => randomBytes(32).toString("hex");

/**
 * What a Node site picks instead of us: Express, passport-wechat, express-session
 * (its memory store, or connect-redis), set up the way their READMEs show.
 * passport-wechat checks no state, so its callback does less work than ours.
 */
async function passportApp(spec: ExpressSpec) {
  const app = express();
  let redis: ReturnType<typeof createClient> | undefined;
  let store: session.Store | undefined;
  if (spec.store.kind === "redis") {
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
    store = new RedisStore({ client: redis, prefix: spec.store.prefix });
  }
  app.use(
    session({ secret: random(), resave: false, saveUninitialized: false, ...(store ? { store } : {}) }),
  );
  const strategy = new WechatStrategy(
    {
      appID: WEBSITE.appid,
      appSecret: WEBSITE.secret,
      client: "web",
      callbackURL: REDIRECT_URI,
      scope: "snsapi_login",
    },
    (_accessToken, _refreshToken, profile, _expiresIn, done) =>
      done(null, { openid: String(profile.openid), nickname: String(profile.nickname ?? "") }),
  );
  // wechat-oauth hard-codes WeChat's host; its documented urllib hook sends it to the emulator instead.
  // A keep-alive agent, as any production setup of it would have; urllib's https default refuses plain http.
  const emulator = new URL(spec.emulator);
  const agent = new Agent({ keepAlive: true, maxSockets: 10 });
  strategy._oauth.setOpts({
    timeout: 15_000,
    beforeRequest(options) {
      options.protocol = "http:";
      options.host = emulator.hostname;
      options.port = Number(emulator.port);
      options.agent = agent;
    },
  });
  passport.use(strategy);
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  app.use(passport.initialize());
  app.use(passport.session());
  app.get("/auth/login", passport.authenticate("wechat"));
  app.get(
    "/auth/callback",
    passport.authenticate("wechat", { failureRedirect: "/auth/login" }),
    (_req, res) => res.redirect("/"),
  );
  app.get("/auth/session", (req, res) => {
    if (req.user) res.json({ user: req.user });
    else res.status(401).json({ error: "unauthenticated" });
  });
  return {
    app,
    close: async () => {
      agent.destroy();
      await redis?.quit();
    },
  };
}

/** Ours on the Express adapter, on the store of the same kind. */
async function flowApp(spec: ExpressSpec) {
  const store = await openStore(spec.store);
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
  const app = express();
  app.use(loginRoutes(login));
  return {
    app,
    close: async () => {
      await login.close();
      await store.close();
    },
  };
}

const spec = JSON.parse(process.argv[2]!) as ExpressSpec;
const { app, close } = spec.mode === "passport" ? await passportApp(spec) : await flowApp(spec);
const server = app.listen(0, "127.0.0.1");
await new Promise<void>((resolve) => server.once("listening", resolve));
const { port } = server.address() as AddressInfo;

serveParent(
  async (message) => {
    throw new Error(`unknown request ${message.type}`);
  },
  async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    await close();
  },
);
sendReady({ url: `http://127.0.0.1:${port}` });
