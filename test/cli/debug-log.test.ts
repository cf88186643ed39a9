import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { CliBuild, stop } from "../support/cli.js";
import { confirmOnPhone } from "../support/confirm.js";
import { HttpBrowser } from "../support/http-browser.js";
import { freePort } from "../support/ports.js";

const build = new CliBuild();
let workdir: string;
let emulator: RunningEmulator;
let recorder: Server;
/** Every answer of WeChat's API, as the CLI received it: where the tokens come from. */
const answers: string[] = [];

beforeAll(async () => {
  await build.build();
  workdir = await mkdtemp(join(tmpdir(), "debug-log-"));
  emulator = await startEmulator({ port: 0 });
  // Stands between the CLI and the emulator's API and keeps what WeChat answered.
  recorder = createServer((request, response) => {
    fetch(`${emulator.url}${request.url}`).then(async (upstream) => {
      const body = await upstream.text();
      answers.push(body);
      response.writeHead(upstream.status, { "content-type": "application/json" }).end(body);
    });
  });
  await new Promise<void>((resolveListen) => recorder.listen(0, "127.0.0.1", resolveListen));
}, 60_000);

afterAll(async () => {
  await build.remove();
  recorder?.close();
  await emulator?.close();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe("wechat-login start at LOG_LEVEL=debug", () => {
  it("writes an access-log line per request, and no secret, code, state, token or session id anywhere", async () => {
    const website = emulator.apps.find((app) => app.kind === "website" && app.openAccount)!;
    const port = await freePort();
    const site = `http://localhost:${port}`;
    const sessionSecret = "5e551011".repeat(8);
    const running = build.start(
      ["start", "--no-emulator", "--port", String(port)],
      {
        LOG_LEVEL: "debug",
        WECHAT_APPID: website.appid,
        WECHAT_SECRET: website.secret,
        WECHAT_REDIRECT_URI: `${site}/auth/callback`,
        WECHAT_OPEN_BASE: emulator.url,
        WECHAT_API_BASE: `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`,
        SESSION_SECRET: sessionSecret,
        STORE_URL: `sqlite:${join(workdir, "debug.db")}`,
      },
      workdir,
    );
    await running.ready;

    const browser = new HttpBrowser();
    const start = await browser.get(`${site}/auth/login?returnTo=%2Fprofile`);
    const preLogin = browser.cookies.get("wl_login")!;
    const callback = await confirmOnPhone(emulator.url, HttpBrowser.location(start, site));
    const { searchParams } = new URL(callback);
    const code = searchParams.get("code")!;
    const state = searchParams.get("state")!;
    const landed = await browser.get(callback);
    expect(landed.status).toBe(302);
    const sessionId = browser.cookies.get("wl_session")!;
    const profile = await (await browser.get(`${site}/profile`)).text();
    expect(profile).toContain('id="what-just-happened"');
    expect((await browser.get(`${site}/auth/session`)).status).toBe(200);
    expect((await browser.get(`${site}/auth/logout`, { method: "POST" })).status).toBe(303);
    expect(await stop(running.child, running.exited, "SIGINT")).toBe(0);

    const tokens = answers.flatMap((answer) => {
      const body = JSON.parse(answer) as { access_token?: string; refresh_token?: string };
      return [body.access_token, body.refresh_token].filter((token) => token !== undefined);
    });
    expect(tokens).toHaveLength(2);
    const { stdout, stderr } = running.output();
    const output = stdout + stderr;
    const [accessToken = "", refreshToken = ""] = tokens;
    const secrets = {
      secret: website.secret,
      sessionSecret,
      code,
      state,
      preLogin,
      sessionId,
      accessToken,
      refreshToken,
    };
    for (const [name, value] of Object.entries(secrets)) {
      expect(value.length, name).toBeGreaterThan(8);
      expect(output, name).not.toContain(value);
      expect(profile, name).not.toContain(value);
    }

    const lines = stdout
      .split("\n")
      .filter((line) => line.startsWith("{"))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = lines.filter((line) => line.event === "request");
    expect(requests.map((line) => `${line.method} ${line.url} ${line.status}`)).toEqual([
      "GET /auth/login?returnTo=%2Fprofile 302",
      "GET /auth/callback?code=[redacted]&state=[redacted] 302",
      "GET /profile 200",
      "GET /auth/session 200",
      "POST /auth/logout 303",
    ]);
    // Debug level is on: the headers are logged, without the cookies.
    const headers = lines.filter((line) => line.event === "request_headers");
    expect(headers).toHaveLength(requests.length);
    expect(JSON.stringify(headers)).not.toMatch(/wl_session|wl_login|cookie/i);
  });
});
