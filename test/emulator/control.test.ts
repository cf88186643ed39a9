import { Client } from "undici";
import { describe, expect, it } from "vitest";
import { login, useEmulator } from "./helpers.js";

const h = useEmulator();

describe("GET /_emulator/state", () => {
  it("lists the default apps with secrets and the users with absolute avatars", async () => {
    const state = await h.getJson("/_emulator/state");
    const apps = state.apps as Array<Record<string, unknown>>;
    expect(apps.map((app) => app.kind)).toEqual(["website", "official-account", "mini-program", "website"]);
    expect(apps[0]).toMatchObject({
      appid: "wx8f3a6b2c1d0e4f57",
      secret: "3b9e2f71c4a8d6e05f1a7c3b9d2e8f40",
    });
    expect(apps[3]).not.toHaveProperty("openAccount");
    expect(state.users).toEqual([
      { id: "zhangsan", nickname: "张三", headimgurl: `${h.url}/_emulator/avatar/zhangsan/132` },
      { id: "lily", nickname: "Lily 🌸", headimgurl: `${h.url}/_emulator/avatar/lily/132` },
      { id: "noavatar", nickname: "李四", headimgurl: "" },
    ]);
    expect(h.emulator.users[0]?.headimgurl).toBe(`${h.url}/_emulator/avatar/zhangsan/132`);
  });
});

describe("POST /_emulator/apps and /_emulator/users", () => {
  const app = {
    kind: "website",
    appid: "wx00000000000000aa",
    secret: "a".repeat(32),
    name: "Added",
    domains: ["example.test:8443"],
  };

  it("adds an app and a user usable at once", async () => {
    expect((await h.post("/_emulator/apps", app)).status).toBe(201);
    expect((await h.post("/_emulator/users", { id: "wangwu", nickname: "王五" })).status).toBe(201);
    const token = await login(h, app, { userId: "wangwu", redirect_uri: "https://example.test:8443/cb" });
    expect(token.access_token).toEqual(expect.any(String));
    expect(token).not.toHaveProperty("unionid");
  });

  it.each([
    [{ ...app, appid: "wx123" }, "appid"],
    [{ ...app, appid: "WX00000000000000AA" }, "appid"],
    [{ ...app, secret: "x" }, "secret"],
    [{ ...app, kind: "app" }, "kind"],
    [{ ...app, domains: ["https://example.test/"] }, "domains[0]"],
    [{ ...app, domains: [] }, "domains"],
    [{ ...app, extra: 1 }, ""],
    [{ ...app, appid: "wx8f3a6b2c1d0e4f57" }, "appid"],
  ])("rejects a bad app with 400 naming the field (%#)", async (body, field) => {
    const response = await h.post("/_emulator/apps", body);
    expect(response.status).toBe(400);
    const error = await response.json();
    expect(error).toMatchObject({ error: "invalid_request", field });
    expect(error.message).toEqual(expect.any(String));
  });

  it.each([
    [{ id: "has space", nickname: "x" }, "id"],
    [{ id: "ok", nickname: "" }, "nickname"],
    [{ id: "ok", nickname: "x", headimgurl: "javascript:alert(1)" }, "headimgurl"],
    [{ id: "zhangsan", nickname: "dup" }, "id"],
  ])("rejects a bad user with 400 naming the field (%#)", async (body, field) => {
    const response = await h.post("/_emulator/users", body);
    expect(response.status).toBe(400);
    expect((await response.json()).field).toBe(field);
  });

  it("answers 400 for a body that is not JSON", async () => {
    const response = await fetch(`${h.url}/_emulator/apps`, { method: "POST", body: "{nope" });
    expect(response.status).toBe(400);
    expect((await response.json()).error).toBe("invalid_request");
  });
});

describe("POST /_emulator/authorize", () => {
  it("issues a single-use code and the location the browser would land on", async () => {
    const result = await h.authorize({
      appid: h.website.appid,
      redirect_uri: "http://127.0.0.1:5173/auth/callback?next=%2Fhome",
      state: "xyz",
    });
    expect(result.location).toBe(
      `http://127.0.0.1:5173/auth/callback?next=%2Fhome&code=${encodeURIComponent(result.code!)}&state=xyz`,
    );
  });

  it("returns only the location with state on deny", async () => {
    const result = await h.authorize({ appid: h.website.appid, state: "abc", decision: "deny" });
    expect(result).toEqual({ location: "http://localhost/callback?state=abc" });
  });

  it.each([
    [{ appid: "wx0000000000000000" }, "appid"],
    [{ appid: "wx6d4b2e8f1a3c5e79" }, "appid"],
    [{ appid: "wx8f3a6b2c1d0e4f57", userId: "ghost" }, "userId"],
    [{ appid: "wx8f3a6b2c1d0e4f57", scope: "snsapi_base" }, "scope"],
    [{ appid: "wx2c7e9a1f4b6d8e03", scope: "snsapi_login" }, "scope"],
    [{ appid: "wx8f3a6b2c1d0e4f57", redirect_uri: "https://evil.example/cb" }, "redirect_uri"],
    [{ appid: "wx8f3a6b2c1d0e4f57", decision: "maybe" }, "decision"],
  ])("rejects bad input with 400 naming the field (%#)", async (body, field) => {
    const response = await h.post("/_emulator/authorize", body);
    expect(response.status).toBe(400);
    expect((await response.json()).field).toBe(field);
  });

  it("accepts subdomains for website apps but only exact domains for official accounts", async () => {
    expect(
      (
        await h.post("/_emulator/authorize", {
          appid: h.website.appid,
          redirect_uri: "http://a.localhost/cb",
        })
      ).status,
    ).toBe(200);
    const oa = await h.post("/_emulator/authorize", {
      appid: h.officialAccount.appid,
      redirect_uri: "http://a.localhost/cb",
    });
    expect(oa.status).toBe(400);
  });
});

describe("clock", () => {
  it("reports and advances the emulator time", async () => {
    const before = (await h.getJson("/_emulator/clock")) as { now: number; offsetSeconds: number };
    expect(before.offsetSeconds).toBe(0);
    const after = (await h.postJson("/_emulator/clock/advance", { seconds: 3600 })) as { now: number };
    expect(after.now - before.now).toBeGreaterThanOrEqual(3600_000);
    expect((await h.post("/_emulator/clock/advance", { seconds: -5 })).status).toBe(400);
    expect((await h.post("/_emulator/clock/advance", { seconds: "5" })).status).toBe(400);
  });
});

describe("request log", () => {
  it("counts every call per path and masks credentials", async () => {
    const token = await login(h, h.website);
    await h.get("/sns/oauth2/refresh_token", {
      appid: h.website.appid,
      grant_type: "refresh_token",
      refresh_token: String(token.refresh_token),
    });
    await h.get("/sns/oauth2/refresh_token", { appid: h.website.appid });
    const log = (await h.getJson("/_emulator/requests")) as {
      counts: Record<string, number>;
      entries: Array<{
        method: string;
        path: string;
        query: Record<string, string>;
        status: number;
        time: string;
      }>;
    };
    expect(log.counts).toEqual({ "/sns/oauth2/access_token": 1, "/sns/oauth2/refresh_token": 2 });
    const [exchange, refresh] = log.entries;
    expect(exchange).toMatchObject({
      method: "GET",
      path: "/sns/oauth2/access_token",
      status: 200,
      query: { appid: h.website.appid, secret: "***", code: "***", grant_type: "authorization_code" },
    });
    expect(refresh?.query.refresh_token).toBe("***");
    expect(JSON.stringify(log)).not.toContain(h.website.secret);
    expect(JSON.stringify(log)).not.toContain(String(token.refresh_token));
    expect((await (await fetch(`${h.url}/_emulator/requests`, { method: "DELETE" })).json()).counts).toEqual(
      {},
    );
    expect(((await h.getJson("/_emulator/requests")) as { entries: unknown[] }).entries).toEqual([]);
  });

  it("keeps the last 1000 entries but complete counts", async () => {
    await Promise.all(Array.from({ length: 1010 }, () => h.get("/sns/auth")));
    const log = (await h.getJson("/_emulator/requests")) as {
      counts: Record<string, number>;
      entries: unknown[];
    };
    expect(log.counts["/sns/auth"]).toBe(1010);
    expect(log.entries).toHaveLength(1000);
  });

  it("drops the oldest entries first and lists the rest oldest first", async () => {
    for (let index = 0; index < 1003; index += 1) await h.get("/sns/auth", { openid: `n${index}` });
    const log = (await h.getJson("/_emulator/requests")) as { entries: Array<{ query: { openid: string } }> };
    expect(log.entries.map((entry) => entry.query.openid)).toEqual(
      Array.from({ length: 1000 }, (_, index) => `n${index + 3}`),
    );
  });
});

describe("GET /_emulator/connections", () => {
  it("counts TCP connections: keep-alive reuses one, a new client opens another", async () => {
    await h.post("/_emulator/reset");
    const first = new Client(h.url);
    const second = new Client(h.url);
    try {
      const read = async (client: Client) =>
        (await (await client.request({ method: "GET", path: "/_emulator/connections" })).body.json()) as {
          opened: number;
          open: number;
        };
      const start = await read(first);
      for (let index = 0; index < 5; index += 1) {
        await (await first.request({ method: "GET", path: "/sns/auth" })).body.text();
      }
      expect((await read(first)).opened).toBe(start.opened);
      await (await second.request({ method: "GET", path: "/sns/auth" })).body.text();
      const after = await read(first);
      expect(after.opened).toBe(start.opened + 1);
      expect(after.open).toBeGreaterThanOrEqual(2);
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe("POST /_emulator/reset", () => {
  it("forgets added apps, codes, faults, log and clock offset", async () => {
    const { code } = await h.authorize({ appid: h.website.appid });
    await h.post("/_emulator/users", { id: "temp", nickname: "Temp" });
    await h.post("/_emulator/faults", { endpoint: "*", kind: "errcode", times: 5 });
    await h.post("/_emulator/clock/advance", { seconds: 100 });
    await h.get("/sns/auth");
    expect(await h.postJson("/_emulator/reset")).toEqual({ ok: true });
    const state = (await h.getJson("/_emulator/state")) as {
      users: unknown[];
      clock: { offsetSeconds: number };
    };
    expect(state.users).toHaveLength(3);
    expect(state.clock.offsetSeconds).toBe(0);
    expect(await h.getJson("/_emulator/faults")).toEqual({ faults: [] });
    expect(((await h.getJson("/_emulator/requests")) as { entries: unknown[] }).entries).toEqual([]);
    const exchange = await h.getJson("/sns/oauth2/access_token", {
      ...h.website,
      code: code!,
      grant_type: "authorization_code",
    });
    expect(exchange.errcode).toBe(40029);
  });
});

describe("unknown paths", () => {
  it("answers an errcode on API paths and 404 elsewhere", async () => {
    expect((await h.getJson("/sns/nothing")).errcode).toBe(40066);
    expect((await h.get("/_emulator/nothing")).status).toBe(404);
  });
});
