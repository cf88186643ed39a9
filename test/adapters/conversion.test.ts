import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogin, type Login } from "../../src/flow/index.js";
import type { Store } from "../../src/stores/types.js";
import { CookieClient, FRAMEWORKS, fakeLogin, freePort, offlineOptions, type Site } from "./sites.js";

const COOKIE_A = "a=1; Path=/; Expires=Wed, 21 Oct 2099 07:28:00 GMT; HttpOnly; SameSite=Lax";
const COOKIE_B = "b=; Path=/auth; Max-Age=0; HttpOnly";
const STORE_SECRET = "redis://admin:hunter2@db.internal:6379";

/** What the fake flow saw, per test. */
interface Seen {
  /** The flow got the hanging request: from then on a client abort must reach its signal. */
  hanging: Promise<void>;
  markHanging: () => void;
  aborted: Promise<void>;
  markAborted: () => void;
  logged: string[];
}

function newSeen(): Seen {
  let markHanging = () => {};
  const hanging = new Promise<void>((resolve) => {
    markHanging = resolve;
  });
  let markAborted = () => {};
  const aborted = new Promise<void>((resolve) => {
    markAborted = resolve;
  });
  return { hanging, markHanging, aborted, markAborted, logged: [] };
}

function fakeFlow(seen: Seen): (request: Request) => Promise<Response> {
  return async (request) => {
    const { pathname } = new URL(request.url);
    switch (pathname) {
      case "/auth/echo":
        return Response.json({
          method: request.method,
          url: request.url,
          body: await request.text(),
          cookie: request.headers.get("cookie"),
          custom: request.headers.get("x-custom"),
        });
      case "/auth/cookies": {
        const headers = new Headers({ location: "/" });
        headers.append("set-cookie", COOKIE_A);
        headers.append("set-cookie", COOKIE_B);
        return new Response(null, { status: 302, headers });
      }
      case "/auth/empty":
        return new Response(null, { status: 204, headers: { "x-empty": "yes" } });
      case "/auth/stream": {
        const encoder = new TextEncoder();
        const body = new ReadableStream<Uint8Array>({
          async start(controller) {
            for (const part of ["one,", "two,", "three"]) {
              controller.enqueue(encoder.encode(part));
              await new Promise((resolve) => setTimeout(resolve, 5));
            }
            controller.close();
          },
        });
        return new Response(body, { headers: { "content-type": "text/plain" } });
      }
      case "/auth/hang":
        seen.markHanging();
        await new Promise<void>((resolve) => request.signal.addEventListener("abort", () => resolve()));
        seen.markAborted();
        return new Response("too late");
      default:
        throw new Error(`boom ${STORE_SECRET}`);
    }
  };
}

/** A store whose every call fails the way a lost Redis connection does. */
function brokenStore(): Store {
  return new Proxy({ kind: "broken" } as Store, {
    get(target, property) {
      if (property === "kind") return target.kind;
      if (property === "close") return async () => undefined;
      return async () => {
        throw new Error(`connect ECONNREFUSED ${STORE_SECRET}`);
      };
    },
  });
}

describe.each(FRAMEWORKS)("%s adapter", (_name, start) => {
  let site: Site;
  let port: number;
  let seen: Seen;

  beforeAll(async () => {
    port = await freePort();
    seen = newSeen();
    const logger = {
      info: () => undefined,
      warn: () => undefined,
      error: (object: object, message?: string) => seen.logged.push(JSON.stringify({ ...object, message })),
    };
    site = await start({ port, login: fakeLogin(port, fakeFlow(seen), { logger }) });
  });
  afterAll(async () => {
    await site.close();
  });

  it("hands the flow the method, the absolute URL, the headers and a JSON body, read once", async () => {
    const response = await fetch(`${site.url}/auth/echo?x=1`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-custom": "kept", cookie: "wl_session=abc; other=2" },
      body: '{"returnTo":"/profile"}',
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      method: "POST",
      url: `http://localhost:${port}/auth/echo?x=1`,
      body: '{"returnTo":"/profile"}',
      cookie: "wl_session=abc; other=2",
      custom: "kept",
    });
  });

  it("hands the flow a form body and an empty POST", async () => {
    const form = await fetch(`${site.url}/auth/echo`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "returnTo=%2Fprofile&x=1",
    });
    expect(((await form.json()) as { body: string }).body).toBe("returnTo=%2Fprofile&x=1");
    const empty = await fetch(`${site.url}/auth/echo`, { method: "POST" });
    expect(((await empty.json()) as { body: string }).body).toBe("");
  });

  it("forwards two Set-Cookie headers intact, with the redirect's Location and no body", async () => {
    const response = await fetch(`${site.url}/auth/cookies`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/");
    expect(response.headers.getSetCookie()).toEqual([COOKIE_A, COOKIE_B]);
    expect(await response.text()).toBe("");
  });

  it("sends 204 without a body and HEAD with headers only", async () => {
    const empty = await fetch(`${site.url}/auth/empty`);
    expect(empty.status).toBe(204);
    expect(empty.headers.get("x-empty")).toBe("yes");
    const head = await fetch(`${site.url}/auth/echo`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await head.text()).toBe("");
  });

  it("streams a response body", async () => {
    const response = await fetch(`${site.url}/auth/stream`);
    expect(await response.text()).toBe("one,two,three");
  });

  it("aborts the request's signal when the client goes away", async () => {
    const client = new AbortController();
    const pending = fetch(`${site.url}/auth/hang`, { signal: client.signal }).catch(() => undefined);
    // Abort only once the request is in the flow: a fixed wait loses the race on a loaded machine.
    await seen.hanging;
    client.abort();
    await pending;
    await expect(
      Promise.race([seen.aborted.then(() => "aborted"), delay(3000, "still waiting")]),
    ).resolves.toBe("aborted");
  });

  it("turns a throw into a plain 500, logs only the error's class, and keeps serving", async () => {
    const response = await fetch(`${site.url}/auth/throw`);
    expect(response.status).toBe(500);
    const body = await response.text();
    expect(body).not.toContain("hunter2");
    expect(body).not.toContain("boom");
    expect(seen.logged.join("\n")).toContain('"reason":"Error"');
    expect(seen.logged.join("\n")).not.toContain("hunter2");
    expect((await fetch(`${site.url}/auth/echo`)).status).toBe(200);
  });

  it("leaves other paths to the app", async () => {
    const home = await fetch(`${site.url}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain("Log in with WeChat");
    const me = await fetch(`${site.url}/me`);
    expect(me.status).toBe(401);
    expect(await me.json()).toEqual({ error: "not_logged_in" });
    expect((await fetch(`${site.url}/nowhere`)).status).toBe(404);
  });
});

describe.each(FRAMEWORKS)("%s adapter with the real flow, offline", (_name, start) => {
  let site: Site;
  let broken: Site;
  let logins: Login[];

  beforeAll(async () => {
    const [port, brokenPort] = [await freePort(), await freePort()];
    logins = [
      createLogin(offlineOptions(port)),
      createLogin(offlineOptions(brokenPort, { store: brokenStore() })),
    ];
    site = await start({ port, login: logins[0]! });
    broken = await start({ port: brokenPort, login: logins[1]! });
  });
  afterAll(async () => {
    await Promise.all([site.close(), broken.close()]);
    await Promise.all(logins.map((login) => login.close()));
  });

  it("answers /login with a redirect that sets the pre-login cookie", async () => {
    const client = new CookieClient(site.url);
    const response = await client.request("/auth/login?returnTo=%2Fme");
    expect(response.status).toBe(302);
    expect(new URL(response.headers.get("location")!).pathname).toBe("/connect/qrconnect");
    expect(client.cookies.has("wl_login")).toBe(true);
  });

  it("answers HEAD /session with 401 and no body, OPTIONS with 405 and Allow, unknown routes with 404", async () => {
    const head = await fetch(`${site.url}/auth/session`, { method: "HEAD" });
    expect(head.status).toBe(401);
    expect(await head.text()).toBe("");
    const options = await fetch(`${site.url}/auth/login`, { method: "OPTIONS" });
    expect(options.status).toBe(405);
    expect(options.headers.get("allow")).toContain("GET");
    expect((await fetch(`${site.url}/auth/nope`)).status).toBe(404);
  });

  it("answers logout with 303, or 204 for JSON clients, whatever the body", async () => {
    const redirect = await fetch(`${site.url}/auth/logout`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "csrf=x",
    });
    expect(redirect.status).toBe(303);
    const json = await fetch(`${site.url}/auth/logout`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/json" },
      body: "{}",
    });
    expect(json.status).toBe(204);
  });

  it("answers a logout with a large body it never reads, and keeps the connection usable", async () => {
    // A content type no body parser in the examples takes, so the stream reaches the adapter unread.
    const body = new Uint8Array(512 * 1024);
    for (let round = 0; round < 3; round += 1) {
      const response = await fetch(`${site.url}/auth/logout`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/octet-stream" },
        body,
      });
      expect(response.status).toBe(303);
      await response.arrayBuffer();
    }
    expect((await fetch(`${site.url}/auth/session`)).status).toBe(401);
  });

  it("gives the flow's 503 page when the store throws, without the store's error in it", async () => {
    for (const path of ["/auth/login", "/auth/session"]) {
      const response = await fetch(`${broken.url}${path}`, {
        redirect: "manual",
        // A session cookie, so /session has to ask the store.
        headers: { "accept-language": "en", cookie: "wl_session=some-session-id" },
      });
      expect(response.status).toBe(503);
      const body = await response.text();
      expect(body).toContain('data-outcome="store_unavailable"');
      expect(body).not.toContain("hunter2");
    }
  });
});

function delay<T>(ms: number, value: T): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}
