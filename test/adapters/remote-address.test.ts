import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loginRoutes } from "../../src/adapters/hono.js";
import { createDemoApp } from "../../src/demo/app.js";
import { createLogin, type Login, type LoginOptions } from "../../src/flow/index.js";
import { ClientAt } from "../security/rate-limit-support.js";
import { FRAMEWORKS, freePort, offlineOptions, type Site } from "./sites.js";

// One login start per client per minute: the second from the same address is refused, another address is not.
const oneStart: Partial<LoginOptions> = { rateLimit: { login: { points: 1, durationSeconds: 60 } } };

const clients = new Map<string, ClientAt>();
const from = (address: string) => {
  if (!clients.has(address)) clients.set(address, new ClientAt(address));
  return clients.get(address)!;
};
afterAll(async () => {
  await Promise.all([...clients.values()].map((client) => client.close()));
});

const socketFrameworks = FRAMEWORKS.filter(([name]) => !name.startsWith("next"));

describe.each(socketFrameworks)("the %s adapter", (_name, start) => {
  let site: Site;
  let login: Login;

  beforeAll(async () => {
    const port = await freePort();
    login = createLogin(offlineOptions(port, oneStart));
    site = await start({ port, login });
  });
  afterAll(async () => {
    await site.close();
    await login.close();
  });

  it("hands the flow the socket's address, so the limit is per client", async () => {
    const url = `${site.url.replace("localhost", "127.0.0.1")}/auth/login`;
    expect((await from("127.0.0.2").get(url)).status).toBe(302);
    expect((await from("127.0.0.2").get(url)).status).toBe(429);
    // Without the address both would share one "unknown" count, and this one would be refused too.
    expect((await from("127.0.0.3").get(url)).status).toBe(302);
  });
});

describe("the next adapter (route handlers see no socket)", () => {
  const start = FRAMEWORKS.find(([name]) => name.startsWith("next"))![1];
  const sites: Site[] = [];
  const logins: Login[] = [];
  afterAll(async () => {
    await Promise.all(sites.map((site) => site.close()));
    await Promise.all(logins.map((login) => login.close()));
  });
  async function startNext(overrides: Partial<LoginOptions>) {
    const port = await freePort();
    const login = createLogin(offlineOptions(port, { ...oneStart, ...overrides }));
    const site = await start({ port, login });
    logins.push(login);
    sites.push(site);
    return `${site.url.replace("localhost", "127.0.0.1")}/auth/login`;
  }

  it("keys the limit on the trusted proxy's X-Forwarded-For with trustProxy: 1", async () => {
    const url = await startNext({ trustProxy: 1 });
    const forwarded = (address: string) => ({ "x-forwarded-for": address });
    expect((await from("127.0.0.2").get(url, forwarded("198.51.100.1"))).status).toBe(302);
    expect((await from("127.0.0.2").get(url, forwarded("198.51.100.1"))).status).toBe(429);
    expect((await from("127.0.0.2").get(url, forwarded("198.51.100.2"))).status).toBe(302);
  });

  it("counts every request under one shared key without trustProxy", async () => {
    const url = await startNext({});
    expect((await from("127.0.0.2").get(url)).status).toBe(302);
    expect((await from("127.0.0.3").get(url, { "x-forwarded-for": "198.51.100.3" })).status).toBe(429);
  });
});

describe("the hono adapter's getConnInfo option", () => {
  it("reads the address with the runtime's helper it is given", async () => {
    const login = createLogin(offlineOptions(3000, oneStart));
    let address = "192.0.2.50";
    const app = new Hono();
    app.use(loginRoutes(login, { getConnInfo: () => ({ remote: { address } }) }));
    const status = async () => (await app.request("http://localhost:3000/auth/login")).status;
    expect(await status()).toBe(302);
    expect(await status()).toBe(429);
    address = "192.0.2.51";
    expect(await status()).toBe(302);
    await login.close();
  });
});

describe("the demo's embedded login page", () => {
  it("counts as a login start: over the limit it answers 429 with Retry-After", async () => {
    const port = await freePort();
    const login = createLogin(offlineOptions(port, oneStart));
    const server = serve({ fetch: createDemoApp(login).fetch, port, hostname: "127.0.0.1" });
    await once(server, "listening");
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/embedded`;
    try {
      expect((await from("127.0.0.4").get(url)).status).toBe(200);
      const refused = await from("127.0.0.4").get(url);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await from("127.0.0.5").get(url)).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await login.close();
    }
  });
});
