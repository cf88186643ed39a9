import { request } from "undici";
import { describe, expect, it } from "vitest";
import { startEmulator } from "../../src/emulator/index.js";
import { login, useEmulator } from "./helpers.js";

const h = useEmulator();

function addFault(fault: Record<string, unknown>) {
  return h.post("/_emulator/faults", fault);
}

async function checkToken() {
  return h.get("/sns/auth", { access_token: "t", openid: "o" });
}

describe("POST /_emulator/faults", () => {
  it("answers the given errcode for the next N calls, then normally", async () => {
    const created = await addFault({ endpoint: "/sns/auth", kind: "errcode", errcode: 45009, times: 2 });
    expect(created.status).toBe(201);
    expect((await created.json()).fault).toMatchObject({
      endpoint: "/sns/auth",
      kind: "errcode",
      remaining: 2,
    });
    expect((await (await checkToken()).json()).errcode).toBe(45009);
    expect((await (await checkToken()).json()).errcode).toBe(45009);
    expect((await (await checkToken()).json()).errcode).toBe(40001);
  });

  it("defaults an errcode fault to -1 system error", async () => {
    await addFault({ endpoint: "/sns/oauth2/access_token", kind: "errcode" });
    const body = await login(h, h.website);
    expect(body.errcode).toBe(-1);
    expect(body.errmsg).toMatch(/^system error, rid: /);
  });

  it("applies * to every API endpoint but not to pages or the control API", async () => {
    await addFault({ endpoint: "*", kind: "errcode", errcode: -1, times: 3 });
    expect((await h.getJson("/_emulator/state")).apps).toBeDefined();
    expect((await h.getJson("/cgi-bin/token")).errcode).toBe(-1);
    expect((await h.getJson("/sns/userinfo")).errcode).toBe(-1);
    expect((await h.getJson("/sns/auth")).errcode).toBe(-1);
    expect((await h.getJson("/sns/auth")).errcode).toBe(41001);
  });

  it("delays an answer without blocking other requests", async () => {
    await addFault({ endpoint: "/sns/auth", kind: "delay", delayMs: 800 });
    const started = Date.now();
    const slow = checkToken().then(async (response) => ({ body: await response.json(), at: Date.now() }));
    const fast = await h.getJson("/sns/userinfo");
    const fastAt = Date.now();
    const slowResult = await slow;
    expect(fast.errcode).toBe(41001);
    expect(fastAt - started).toBeLessThan(600);
    expect(slowResult.at - started).toBeGreaterThanOrEqual(750);
    expect(slowResult.body.errcode).toBe(40001);
  });

  it("answers an HTTP 5xx with a short body", async () => {
    await addFault({ endpoint: "/sns/auth", kind: "http", status: 504 });
    const response = await checkToken();
    expect(response.status).toBe(504);
    expect((await response.text()).length).toBeLessThan(100);
    await addFault({ endpoint: "/sns/auth", kind: "http" });
    expect((await checkToken()).status).toBe(503);
  });

  it("answers an HTML error page, 502 by default or 200", async () => {
    await addFault({ endpoint: "/sns/auth", kind: "html" });
    const page = await checkToken();
    expect(page.status).toBe(502);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await page.text()).toMatch(/^<!doctype html>/);
    await addFault({ endpoint: "/sns/auth", kind: "html", status: 200 });
    expect((await checkToken()).status).toBe(200);
  });

  it("answers a truncated JSON body", async () => {
    await addFault({ endpoint: "/sns/auth", kind: "truncated" });
    const response = await checkToken();
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.startsWith("{")).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });

  it("answers non-JSON garbage bytes", async () => {
    await addFault({ endpoint: "/sns/auth", kind: "garbage" });
    const bytes = new Uint8Array(await (await checkToken()).arrayBuffer());
    expect(bytes[0]).toBe(0xff);
    expect(() => JSON.parse(new TextDecoder().decode(bytes))).toThrow();
  });

  it("resets the connection without an answer, and logs status 0", async () => {
    await addFault({ endpoint: "/sns/auth", kind: "reset" });
    await expect(checkToken()).rejects.toThrow();
    expect((await (await checkToken()).json()).errcode).toBe(40001);
    const log = (await h.getJson("/_emulator/requests")) as { entries: Array<{ status: number }> };
    expect(log.entries.map((entry) => entry.status)).toEqual([0, 200]);
  });

  it("hangs until the client gives up", async () => {
    await addFault({ endpoint: "/sns/auth", kind: "hang" });
    const started = Date.now();
    await expect(fetch(`${h.url}/sns/auth`, { signal: AbortSignal.timeout(300) })).rejects.toThrow(
      /timeout|aborted/i,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect((await (await checkToken()).json()).errcode).toBe(40001);
  });

  it("lists and clears faults", async () => {
    await addFault({ endpoint: "/sns/auth", kind: "errcode", times: 3 });
    expect(((await h.getJson("/_emulator/faults")) as { faults: unknown[] }).faults).toHaveLength(1);
    const cleared = await fetch(`${h.url}/_emulator/faults`, { method: "DELETE" });
    expect(await cleared.json()).toEqual({ faults: [] });
    expect((await (await checkToken()).json()).errcode).toBe(40001);
  });

  it.each([
    [{ endpoint: "sns/auth", kind: "errcode" }, "endpoint"],
    [{ endpoint: "/sns/auth", kind: "explode" }, "kind"],
    [{ endpoint: "/sns/auth", kind: "errcode", times: 0 }, "times"],
    [{ endpoint: "/sns/auth", kind: "http", status: 200 }, "status"],
    [{ endpoint: "/sns/auth", kind: "delay", delayMs: -1 }, "delayMs"],
  ])("rejects a bad fault with 400 naming the field (%#)", async (fault, field) => {
    const response = await addFault(fault);
    expect(response.status).toBe(400);
    expect((await response.json()).field).toBe(field);
  });
});

describe("close() with a hung request", () => {
  it("releases hung and delayed requests and closes promptly", async () => {
    const emulator = await startEmulator({ port: 0 });
    await fetch(`${emulator.url}/_emulator/faults`, {
      method: "POST",
      body: JSON.stringify({ endpoint: "/sns/auth", kind: "hang" }),
    });
    await fetch(`${emulator.url}/_emulator/faults`, {
      method: "POST",
      body: JSON.stringify({ endpoint: "/sns/userinfo", kind: "delay", delayMs: 60_000 }),
    });
    const hung = request(`${emulator.url}/sns/auth`).catch((error: unknown) => error);
    const delayed = request(`${emulator.url}/sns/userinfo`).catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = Date.now();
    await emulator.close();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await hung).toBeInstanceOf(Error);
    expect(await delayed).toBeInstanceOf(Error);
  });
});
