import { createServer, type Server } from "node:http";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import { afterEach, describe, expect, it } from "vitest";
import { requireSession as expressRequireSession } from "../../src/adapters/express.js";
import { loginRoutes as fastifyLoginRoutes } from "../../src/adapters/fastify.js";
import { loginRoutes as koaLoginRoutes, requireSession } from "../../src/adapters/koa.js";
import { getSession as nextGetSession } from "../../src/adapters/next.js";
import { loginRoutes } from "../../src/adapters/node.js";
import type { Login, LoginSession } from "../../src/flow/index.js";
import { fakeLogin, freePort } from "./sites.js";

/** Echoes what the adapter handed the flow. */
async function echo(request: Request): Promise<Response> {
  return Response.json({ url: request.url, body: await request.text() });
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

async function listen(server: Server): Promise<string> {
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://localhost:${port}`;
}

describe("node adapter", () => {
  it("takes the scheme from X-Forwarded-Proto only when the login's trustProxy trusts the peer", async () => {
    const trusting = await listen(createServer(loginRoutes(fakeLogin(0, echo, { trustProxy: 1 }))));
    const byAddress = await listen(createServer(loginRoutes(fakeLogin(0, echo, { trustProxy: "loopback" }))));
    const otherProxy = await listen(
      createServer(loginRoutes(fakeLogin(0, echo, { trustProxy: ["10.0.0.0/8"] }))),
    );
    const plain = await listen(createServer(loginRoutes(fakeLogin(0, echo))));
    const headers = { "x-forwarded-proto": "https" };
    const urlVia = async (origin: string) =>
      ((await (await fetch(`${origin}/auth/x`, { headers })).json()) as { url: string }).url;
    expect(await urlVia(trusting)).toMatch(/^https:\/\/localhost:\d+\/auth\/x$/);
    expect(await urlVia(byAddress)).toMatch(/^https:/);
    expect(await urlVia(otherProxy)).toMatch(/^http:\/\/localhost:\d+\/auth\/x$/);
    expect(await urlVia(plain)).toMatch(/^http:\/\/localhost:\d+\/auth\/x$/);
  });

  it("keeps the Host when the request target starts with //", async () => {
    const origin = await listen(createServer(loginRoutes(fakeLogin(0, echo), { fallthrough: false })));
    const { hostname } = new URL(origin);
    const response = await rawGet(origin, "//evil.example/auth/x");
    expect(new URL((JSON.parse(response) as { url: string }).url).hostname).toBe(hostname);
  });

  it("answers paths outside the login routes with the flow's 404 when there is no next()", async () => {
    const login = fakeLogin(
      0,
      async (request) => new Response(new URL(request.url).pathname, { status: 404 }),
    );
    const origin = await listen(createServer(loginRoutes(login)));
    const response = await fetch(`${origin}/elsewhere`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe("/elsewhere");
  });
});

describe("Koa behind a body parser", () => {
  it("hands the flow the body the parser already read", async () => {
    const port = await freePort();
    const app = new Koa();
    // What koa-bodyparser does: read the stream, leave the parsed value on ctx.request.body.
    app.use(async (ctx, next) => {
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
      (ctx.request as unknown as { body: unknown }).body = JSON.parse(Buffer.concat(chunks).toString());
      await next();
    });
    app.use(koaLoginRoutes(fakeLogin(port, echo)));
    const server = app.listen(port);
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const response = await fetch(`http://localhost:${port}/auth/x`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"a":"1"}',
    });
    expect(((await response.json()) as { body: string }).body).toBe('{"a":"1"}');
  });

  it("redirects to the login from requireSession with onMissing: redirect", async () => {
    const port = await freePort();
    const app = new Koa();
    app.use(requireSession(fakeLogin(port, echo), { onMissing: "redirect" }));
    const server = app.listen(port);
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const response = await fetch(`http://localhost:${port}/profile?tab=1`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/auth/login?returnTo=%2Fprofile%3Ftab%3D1");
  });
});

describe("Fastify plugin", () => {
  it("keeps its raw body parser to itself: the app's JSON routes still get parsed bodies", async () => {
    const app = Fastify();
    await app.register(fastifyLoginRoutes(fakeLogin(0, echo)));
    app.post("/json", async (request) => ({ parsed: request.body }));
    const port = await freePort();
    await app.listen({ port });
    closers.push(() => app.close());
    const init = { method: "POST", headers: { "content-type": "application/json" }, body: '{"a":1}' };
    const parsed = await (await fetch(`http://localhost:${port}/json`, init)).json();
    expect(parsed).toEqual({ parsed: { a: 1 } });
    const raw = (await (await fetch(`http://localhost:${port}/auth/x`, init)).json()) as { body: string };
    expect(raw.body).toBe('{"a":1}');
    const text = { method: "POST", headers: { "content-type": "text/csv" }, body: "a,b" };
    expect(
      ((await (await fetch(`http://localhost:${port}/auth/x`, text)).json()) as { body: string }).body,
    ).toBe("a,b");
  });
});

describe("Next.js getSession", () => {
  it("reads the session from a Request, a cookie header string, or nothing", async () => {
    const seen: Array<string | null> = [];
    const login: Login = {
      ...fakeLogin(0, echo),
      getSession: async (request) => {
        seen.push(request.headers.get("cookie"));
        return undefined;
      },
    };
    await nextGetSession(login, new Request("http://localhost/x", { headers: { cookie: "wl_session=1" } }));
    await nextGetSession(login, "wl_session=2; other=3");
    await nextGetSession(login, undefined);
    expect(seen).toEqual(["wl_session=1", "wl_session=2; other=3", null]);
  });
});

describe("reading a session leaves the body to the app", () => {
  const session: LoginSession = {
    user: { id: "u1", nickname: "Lily", headimgurl: "", unionid: undefined },
    identity: { appid: "wx0123456789abcdef", openid: "o1" },
    expiresAt: Date.now() + 60_000,
  };
  const loggedIn = (): Login => ({ ...fakeLogin(0, echo), getSession: async () => session });

  it("Express: a body parser after requireSession still gets the whole body", async () => {
    const app = express();
    app.post("/notes", expressRequireSession(loggedIn()), express.json(), (req, res) => {
      res.json({ nickname: req.wechatSession?.user.nickname, body: req.body });
    });
    const origin = await listen(createServer(app));
    const response = await fetch(`${origin}/notes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "x".repeat(100_000) }),
    });
    expect(await response.json()).toEqual({ nickname: "Lily", body: { text: "x".repeat(100_000) } });
  });

  it("Koa: a body reader after requireSession still gets the whole body", async () => {
    const port = await freePort();
    const app = new Koa();
    app.use(requireSession(loggedIn()));
    app.use(async (ctx) => {
      const chunks: Buffer[] = [];
      for await (const chunk of ctx.req) chunks.push(chunk as Buffer);
      ctx.body = { nickname: ctx.state.wechatSession?.user.nickname, length: Buffer.concat(chunks).length };
    });
    const server = app.listen(port);
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const response = await fetch(`http://localhost:${port}/notes`, {
      method: "POST",
      body: new Uint8Array(300_000),
    });
    expect(await response.json()).toEqual({ nickname: "Lily", length: 300_000 });
  });
});

/** A GET with a raw request target, which fetch would normalize. */
async function rawGet(origin: string, target: string): Promise<string> {
  const { request } = await import("node:http");
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: target, headers: { host: url.host } },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve(body));
      },
    );
    req.on("error", reject);
    req.end();
  });
}
