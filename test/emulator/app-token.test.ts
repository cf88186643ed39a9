import { describe, expect, it } from "vitest";
import { useEmulator } from "./helpers.js";

const h = useEmulator();

function appToken(app = h.officialAccount) {
  return h.getJson("/cgi-bin/token", { grant_type: "client_credential", ...app });
}

function stable(body: unknown) {
  return h.post("/cgi-bin/stable_token", body);
}

function callbackIp(token: unknown) {
  return h.getJson("/cgi-bin/getcallbackip", { access_token: String(token) });
}

describe("GET /cgi-bin/token", () => {
  it("issues a 7200 s token as application/json; encoding=utf-8", async () => {
    const response = await h.get("/cgi-bin/token", { grant_type: "client_credential", ...h.officialAccount });
    expect(response.headers.get("content-type")).toBe("application/json; encoding=utf-8");
    const body = await response.json();
    expect(body).toEqual({ access_token: expect.any(String), expires_in: 7200 });
    expect(await callbackIp(body.access_token)).toEqual({ ip_list: ["127.0.0.1"] });
  });

  it("keeps the previous token valid for 5 minutes after a new one", async () => {
    const first = await appToken();
    const second = await appToken();
    expect(second.access_token).not.toBe(first.access_token);
    await h.post("/_emulator/clock/advance", { seconds: 299 });
    expect((await callbackIp(first.access_token)).ip_list).toBeDefined();
    await h.post("/_emulator/clock/advance", { seconds: 1 });
    expect((await callbackIp(first.access_token)).errcode).toBe(40001);
    expect((await callbackIp(second.access_token)).ip_list).toBeDefined();
  });

  it("expires a token after 7200 s (42001)", async () => {
    const token = await appToken();
    await h.post("/_emulator/clock/advance", { seconds: 7200 });
    expect((await callbackIp(token.access_token)).errcode).toBe(42001);
  });

  it.each([
    [40002, { appid: "wx2c7e9a1f4b6d8e03", secret: "s" }],
    [41002, { grant_type: "client_credential", secret: "s" }],
    [41004, { grant_type: "client_credential", appid: "wx2c7e9a1f4b6d8e03" }],
    [40013, { grant_type: "client_credential", appid: "wx0000000000000000", secret: "s" }],
    [40125, { grant_type: "client_credential", appid: "wx2c7e9a1f4b6d8e03", secret: "s" }],
    [40001, { grant_type: "client_credential", appid: "wx2c7e9a1f4b6d8e03", secret: "0".repeat(32) }],
  ])("answers %i for bad parameters", async (errcode, query) => {
    expect((await h.getJson("/cgi-bin/token", query)).errcode).toBe(errcode);
  });

  it("answers 41001/40001 on getcallbackip without or with an unknown token", async () => {
    expect((await h.getJson("/cgi-bin/getcallbackip")).errcode).toBe(41001);
    expect((await callbackIp("nope")).errcode).toBe(40001);
  });
});

describe("POST /cgi-bin/stable_token", () => {
  const body = () => ({ grant_type: "client_credential", ...h.officialAccount, force_refresh: false });

  it("returns the same token until it expires, a new one after", async () => {
    const response = await stable(body());
    expect(response.headers.get("content-type")).toBe("application/json; encoding=utf-8");
    const first = await response.json();
    expect(first.expires_in).toBe(7200);
    await h.post("/_emulator/clock/advance", { seconds: 100 });
    const second = await (await stable(body())).json();
    expect(second).toEqual({ access_token: first.access_token, expires_in: 7100 });
    await h.post("/_emulator/clock/advance", { seconds: 7100 });
    const third = await (await stable(body())).json();
    expect(third.access_token).not.toBe(first.access_token);
    expect(third.expires_in).toBe(7200);
  });

  it("issues a new token on force_refresh, the old one valid for the overlap", async () => {
    const first = await (await stable(body())).json();
    const forced = await (await stable({ ...body(), force_refresh: true })).json();
    expect(forced.access_token).not.toBe(first.access_token);
    expect((await callbackIp(first.access_token)).ip_list).toBeDefined();
    await h.post("/_emulator/clock/advance", { seconds: 300 });
    expect((await callbackIp(first.access_token)).errcode).toBe(40001);
  });

  it.each([
    [47001, "not json"],
    [47001, "[1,2]"],
    [
      47001,
      JSON.stringify({
        grant_type: "client_credential",
        appid: "wx2c7e9a1f4b6d8e03",
        secret: "s",
        force_refresh: "yes",
      }),
    ],
    [40002, JSON.stringify({ appid: "wx2c7e9a1f4b6d8e03", secret: "s" })],
    [41002, JSON.stringify({ grant_type: "client_credential", secret: "s" })],
    [41004, JSON.stringify({ grant_type: "client_credential", appid: "wx2c7e9a1f4b6d8e03" })],
    [40125, JSON.stringify({ grant_type: "client_credential", appid: "wx2c7e9a1f4b6d8e03", secret: "s" })],
  ])("answers %i for body %s", async (errcode, raw) => {
    const response = await fetch(`${h.url}/cgi-bin/stable_token`, { method: "POST", body: raw });
    expect(response.status).toBe(200);
    expect((await response.json()).errcode).toBe(errcode);
  });

  it("answers 47001 for a body over 64 kB", async () => {
    const response = await fetch(`${h.url}/cgi-bin/stable_token`, {
      method: "POST",
      body: "x".repeat(70_000),
    });
    expect((await response.json()).errcode).toBe(47001);
  });
});
