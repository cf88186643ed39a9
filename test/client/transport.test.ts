import { AsyncLocalStorage } from "node:async_hooks";
import type { ServerResponse } from "node:http";
import { Agent } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  InvalidArgumentError,
  WeChatApiError,
  WeChatClient,
  type WeChatClientOptions,
  WeChatHttpError,
  WeChatNetworkError,
  WeChatProtocolError,
  WeChatTimeoutError,
} from "../../src/client/index.js";
import { APPID, caught, type LocalServer, localServer, SECRET, SLACK_MS, sensitive } from "./support.js";

// Cases a real WeChat (or a proxy in front of it) can produce that the emulator may not: each path of this server is one behaviour.
const TOKEN_BODY = JSON.stringify({
  access_token: "LOCAL_ACCESS_TOKEN_1",
  expires_in: 7200,
  refresh_token: "LOCAL_REFRESH_TOKEN_1",
  openid: "oLocalOpenid",
  scope: "snsapi_userinfo",
});
const CODE = sensitive("LOCALCODE0001");
const ACCESS = sensitive("LOCAL_ACCESS_TOKEN_1");
const REFRESH = sensitive("LOCAL_REFRESH_TOKEN_1");
sensitive("LOCAL_APP_TOKEN_1");

type Behaviour = (response: ServerResponse, hit: number) => void;
let behaviour: Behaviour = (response) => response.end(TOKEN_BODY);
let server: LocalServer;
let count = 0;
const clients: WeChatClient[] = [];

function client(options: Partial<WeChatClientOptions> = {}): WeChatClient {
  const created = new WeChatClient({
    appid: APPID,
    secret: SECRET,
    apiBase: server.url,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
  clients.push(created);
  return created;
}

function hits(path: string): number {
  return server.hits.get(path) ?? 0;
}

beforeAll(async () => {
  server = await localServer((_request, response) => behaviour(response, ++count));
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  server.hits.clear();
  count = 0;
  behaviour = (response) => response.end(TOKEN_BODY);
});
afterAll(() => server.close());

describe("bodies", () => {
  it("parses JSON served as text/plain", async () => {
    behaviour = (response) => {
      response.setHeader("content-type", "text/plain");
      response.end(TOKEN_BODY);
    };
    await expect(client().exchangeCode(CODE)).resolves.toMatchObject({
      accessToken: ACCESS,
      openid: "oLocalOpenid",
    });
  });

  it.each([
    ["with a Content-Length", true],
    ["chunked", false],
  ])("refuses a 5 MB body %s without buffering it", async (_name, declared) => {
    const chunk = Buffer.alloc(64 * 1024, "a");
    behaviour = (response) => {
      if (declared) response.setHeader("content-length", String(80 * chunk.length));
      let sent = 0;
      const pump = () => {
        while (sent < 80) {
          sent++;
          if (!response.write(chunk)) return void response.once("drain", pump);
        }
        response.end();
      };
      response.on("error", () => {});
      pump();
    };
    const error = await caught(client().getUserInfo(ACCESS, "oLocalOpenid"));
    expect(error).toBeInstanceOf(WeChatHttpError);
    expect((error as WeChatHttpError).message).toContain("larger than 1048576 bytes");
  });

  it.each([
    ["with a Content-Length", true],
    ["chunked", false],
  ])("reads a body that starts with a UTF-8 byte-order mark %s", async (_name, declared) => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TOKEN_BODY)]);
    behaviour = (response) => {
      if (declared) response.setHeader("content-length", String(body.length));
      // Two writes: without a declared length Node then sends the body chunked.
      response.write(body.subarray(0, 10));
      response.end(body.subarray(10));
    };
    await expect(client().exchangeCode(CODE)).resolves.toMatchObject({ accessToken: ACCESS });
  });

  it("reports a connection closed mid-body as a network error after the request was sent", async () => {
    behaviour = (response) => {
      response.setHeader("content-length", "1000");
      response.write('{"access_token":"');
      setTimeout(() => response.socket?.destroy(), 20);
    };
    const error = await caught(client().exchangeCode(CODE));
    expect(error).toBeInstanceOf(WeChatNetworkError);
    expect((error as WeChatNetworkError).requestSent).toBe(true);
    // A code exchange that may have reached WeChat is never repeated.
    expect(hits("/sns/oauth2/access_token")).toBe(1);
  });

  it("retries an idempotent read whose connection closed mid-body", async () => {
    behaviour = (response, hit) => {
      if (hit % 3 !== 0) return void response.socket?.destroy();
      response.end('{"openid":"oLocalOpenid","nickname":"n"}');
    };
    await expect(client().getUserInfo(ACCESS, "oLocalOpenid")).resolves.toMatchObject({ nickname: "n" });
  });

  it("turns an empty object into a protocol error naming the missing fields", async () => {
    behaviour = (response) => response.end("{}");
    const error = await caught(client().exchangeCode(CODE));
    expect(error).toBeInstanceOf(WeChatProtocolError);
    expect((error as WeChatProtocolError).issues).toEqual(
      expect.arrayContaining([expect.stringContaining("access_token"), expect.stringContaining("openid")]),
    );
  });

  it("blanks the secret and the code if WeChat echoes them in errmsg", async () => {
    behaviour = (response) =>
      response.end(
        JSON.stringify({ errcode: 40029, errmsg: `invalid code ${CODE} for ${SECRET}, rid: 1a2b-3c` }),
      );
    const error = await caught(client().exchangeCode(CODE));
    expect(error).toMatchObject({ errcode: 40029, rid: "1a2b-3c" });
    expect((error as WeChatApiError).errmsg).toContain("[redacted]");
  });

  it.each([
    ["an HTML page", 200, "<html><body>502 Bad Gateway</body></html>"],
    ["garbage", 200, "\u0000\u0001not json at all"],
    ["an HTTP 503", 503, '{"errcode":-1}'],
  ])("turns %s into WeChatHttpError", async (_name, status, body) => {
    behaviour = (response) => {
      response.statusCode = status;
      response.end(body);
    };
    const error = await caught(client().checkToken(ACCESS, "oLocalOpenid"));
    expect(error).toBeInstanceOf(WeChatHttpError);
    expect((error as WeChatHttpError).status).toBe(status);
  });
});

describe("deadlines", () => {
  it("times out waiting for headers (phase headers), without retrying", async () => {
    behaviour = () => {};
    const error = await caught(
      client({ timeouts: { headersMs: 150, totalMs: 5_000 } }).checkToken(ACCESS, "o1"),
    );
    expect(error).toBeInstanceOf(WeChatTimeoutError);
    expect((error as WeChatTimeoutError).phase).toBe("headers");
    expect(hits("/sns/auth")).toBe(1);
  });

  it("times out when the body stalls (phase body)", async () => {
    behaviour = (response) => {
      response.setHeader("content-length", "100");
      response.write("{");
    };
    const error = await caught(
      client({ timeouts: { bodyMs: 150, totalMs: 5_000 } }).checkToken(ACCESS, "o1"),
    );
    expect(error).toBeInstanceOf(WeChatTimeoutError);
    expect((error as WeChatTimeoutError).phase).toBe("body");
  });

  it("stops at the total deadline whatever the per-phase timeouts", async () => {
    behaviour = (response) => setTimeout(() => response.end(TOKEN_BODY), 3_000);
    const started = performance.now();
    const error = await caught(client({ timeouts: { totalMs: 300 } }).exchangeCode(CODE));
    expect(performance.now() - started).toBeLessThan(300 + SLACK_MS);
    expect(error).toBeInstanceOf(WeChatTimeoutError);
    expect((error as WeChatTimeoutError).phase).toBe("total");
  });

  it("rejects with the caller's own abort reason", async () => {
    behaviour = () => {};
    const reason = new Error("user went away");
    const controller = new AbortController();
    setTimeout(() => controller.abort(reason), 50);
    await expect(client().getUserInfo(ACCESS, "o1", { signal: controller.signal })).rejects.toBe(reason);
  });

  it("stops a call queued behind a busy pool at its deadline, and the pool serves the next one", async () => {
    let first = true;
    behaviour = (response) => {
      if (first) {
        first = false;
        setTimeout(() => response.end(TOKEN_BODY), 1_500);
      } else response.end(TOKEN_BODY);
    };
    const c = client({ connections: 1 });
    const slow = c.exchangeCode(CODE);
    const started = performance.now();
    const error = await caught(c.exchangeCode(CODE, { signal: AbortSignal.timeout(200) }));
    expect(performance.now() - started).toBeLessThan(200 + SLACK_MS);
    expect(error).toBeInstanceOf(DOMException);
    await expect(slow).resolves.toMatchObject({ accessToken: ACCESS });
    await expect(c.exchangeCode(CODE)).resolves.toMatchObject({ accessToken: ACCESS });
    // The queued request was dropped, never sent: one slow exchange and the last one.
    expect(hits("/sns/oauth2/access_token")).toBe(2);
  });

  it("keeps the caller's AsyncLocalStorage context across a call", async () => {
    const context = new AsyncLocalStorage<string>();
    const seen = await context.run("request 42", async () => {
      await client().exchangeCode(CODE);
      return context.getStore();
    });
    expect(seen).toBe("request 42");
  });

  it("maps a refused connection to a network error that sent nothing", async () => {
    const closed = await localServer(() => {});
    const url = closed.url;
    await closed.close();
    const error = await caught(client({ apiBase: url }).exchangeCode(CODE));
    expect(error).toBeInstanceOf(WeChatNetworkError);
    expect(error).toMatchObject({ networkCode: "ECONNREFUSED", requestSent: false });
  });
});

describe("retries", () => {
  it("retries errcode -1 on refreshToken, then succeeds", async () => {
    behaviour = (response, hit) =>
      response.end(hit % 3 === 0 ? TOKEN_BODY : '{"errcode":-1,"errmsg":"system error"}');
    await expect(client().refreshToken(REFRESH)).resolves.toMatchObject({ accessToken: ACCESS });
    expect(hits("/sns/oauth2/refresh_token")).toBe(3);
  });

  it("gives up after the configured attempts with the last error", async () => {
    behaviour = (response) => response.end('{"errcode":-1,"errmsg":"system error"}');
    const error = await caught(client({ retry: { attempts: 2, baseDelayMs: 1 } }).checkToken(ACCESS, "o1"));
    expect(error).toMatchObject({ errcode: -1, reason: "system_busy" });
    expect(hits("/sns/auth")).toBe(2);
  });

  it("skips a backoff that would pass the total deadline and surfaces the last error", async () => {
    behaviour = (response) => response.end('{"errcode":-1,"errmsg":"system error"}');
    const random = vi.spyOn(Math, "random").mockReturnValue(0.99);
    try {
      const slowBackoff = client({
        retry: { baseDelayMs: 5_000, maxDelayMs: 5_000 },
        timeouts: { totalMs: 1_000 },
      });
      const started = performance.now();
      expect(await caught(slowBackoff.checkToken(ACCESS, "o1"))).toMatchObject({ errcode: -1 });
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(hits("/sns/auth")).toBe(1);
    } finally {
      random.mockRestore();
    }
  });

  it("never retries a code exchange or code2Session on -1", async () => {
    behaviour = (response) => response.end('{"errcode":-1,"errmsg":"system error"}');
    const c = client();
    expect(await caught(c.exchangeCode(CODE))).toBeInstanceOf(WeChatApiError);
    expect(await caught(c.code2Session(CODE))).toBeInstanceOf(WeChatApiError);
    expect(hits("/sns/oauth2/access_token")).toBe(1);
    expect(hits("/sns/jscode2session")).toBe(1);
  });
});

describe("arguments", () => {
  const long = "a".repeat(10 * 1024);
  it.each([
    ["empty", ""],
    ["not a string", 42],
    ["with spaces", "abc def"],
    ["10 kB long", long],
    ["non-ASCII", "代码"],
  ])("rejects a code that is %s before any I/O", async (_name, value) => {
    const c = client();
    const calls: Array<() => Promise<unknown>> = [
      () => c.exchangeCode(value as string),
      () => c.code2Session(value as string),
      () => c.refreshToken(value as string),
      () => c.checkToken(value as string, "o1"),
      () => c.getUserInfo(value as string, "o1"),
      () => c.checkToken(ACCESS, value as string),
    ];
    for (const call of calls) {
      expect(await caught(call())).toBeInstanceOf(InvalidArgumentError);
    }
    expect(server.hits.size).toBe(0);
  });

  it("rejects an unknown lang", async () => {
    const error = await caught(client().getUserInfo(ACCESS, "o1", { lang: "fr" as "en" }));
    expect(error).toMatchObject({ argument: "lang" });
  });

  it("reports a bad argument as a rejection, never a synchronous throw", async () => {
    let pending: Promise<unknown> | undefined;
    expect(() => {
      pending = client().exchangeCode("");
    }).not.toThrow();
    await expect(pending).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it("URL-encodes values into the query string", async () => {
    let seen = "";
    behaviour = (response) => {
      seen = (response.req.url ?? "").split("?")[1] ?? "";
      response.end(TOKEN_BODY);
    };
    await client().exchangeCode("a+b/c=d&e");
    expect(seen).toBe(`appid=${APPID}&secret=${SECRET}&code=a%2Bb%2Fc%3Dd%26e&grant_type=authorization_code`);
  });
});

describe("app access token", () => {
  it("is fetched once by POST stable_token for many concurrent callers, then cached until near expiry", async () => {
    let body = "";
    behaviour = (response) => {
      response.req.on("data", (chunk: Buffer) => {
        body = chunk.toString();
      });
      response.req.on("end", () => response.end('{"access_token":"LOCAL_APP_TOKEN_1","expires_in":7200}'));
    };
    let now = 1_000_000;
    const c = client({ now: () => now });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => c.getAppAccessToken()));
    expect(new Set(tokens.map((t) => t.accessToken))).toEqual(new Set(["LOCAL_APP_TOKEN_1"]));
    expect(JSON.parse(body)).toEqual({
      grant_type: "client_credential",
      appid: APPID,
      secret: SECRET,
      force_refresh: false,
    });
    now += 3_600_000;
    expect(await c.getAppAccessToken()).toEqual({ accessToken: "LOCAL_APP_TOKEN_1", expiresIn: 3600 });
    expect(hits("/cgi-bin/stable_token")).toBe(1);
    now += 3_400_000; // within 5 minutes of expiry
    await c.getAppAccessToken();
    expect(hits("/cgi-bin/stable_token")).toBe(2);
  });
});

describe("lifecycle", () => {
  it("sends through a user-supplied dispatcher and leaves it open on close()", async () => {
    const dispatcher = new Agent({ connections: 1 });
    const c = client({ dispatcher });
    await expect(c.exchangeCode(CODE)).resolves.toMatchObject({ accessToken: ACCESS });
    expect(c.stats()).toEqual({});
    await c.close();
    const again = client({ dispatcher });
    await expect(again.exchangeCode(CODE)).resolves.toMatchObject({ accessToken: ACCESS });
    expect(hits("/sns/oauth2/access_token")).toBe(2);
    await dispatcher.close();
  });

  it("reports its pool per origin", async () => {
    const c = client({ connections: 2 });
    await Promise.all(Array.from({ length: 10 }, () => c.exchangeCode(CODE)));
    expect(c.stats()[server.url]).toMatchObject({ connected: expect.any(Number), running: 0 });
    expect(c.stats()[server.url]!.connected).toBeLessThanOrEqual(2);
  });

  it("an aborted caller of the app token does not cancel the others", async () => {
    behaviour = (response) =>
      setTimeout(() => response.end('{"access_token":"LOCAL_APP_TOKEN_1","expires_in":7200}'), 100);
    const c = client();
    const controller = new AbortController();
    const first = c.getAppAccessToken({ signal: controller.signal });
    const second = c.getAppAccessToken();
    controller.abort(new Error("gave up"));
    await expect(first).rejects.toThrow("gave up");
    await expect(second).resolves.toMatchObject({ accessToken: "LOCAL_APP_TOKEN_1" });
    expect(hits("/cgi-bin/stable_token")).toBe(1);
  });

  it("fails calls after close() with a network error that sent nothing", async () => {
    const c = client();
    await c.close();
    const error = await caught(c.checkToken(ACCESS, "o1"));
    expect(error).toMatchObject({ networkCode: "CLIENT_CLOSED", requestSent: false });
  });
});
