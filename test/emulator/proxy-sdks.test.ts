import { execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { ProxyAgent, request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { requireService } from "../support/services.js";

// Issue 16 item 6: SDKs no one here wrote log in against WeChat's real host names,
// unchanged, with only HTTPS_PROXY (or an agent on it) and the emulator's CA trusted.

const run = promisify(execFile);
const clients = resolve(import.meta.dirname, "proxy-clients");
const root = resolve(import.meta.dirname, "../..");
// Debian's python3-requests (what .ci/run installs) first, else whichever python3 on PATH has requests.
const pythons = [...(existsSync("/usr/bin/python3") ? ["/usr/bin/python3"] : []), "python3"];
let python = "python3";
const pythonCheck = await requireService("python3-requests", async () => {
  for (const candidate of pythons) {
    try {
      await run(candidate, ["-c", "import requests"]);
      python = candidate;
      return;
    } catch {
      // Try the next interpreter.
    }
  }
  throw new Error(`no ${pythons.join(" or ")} can import requests (apt-get install python3-requests)`);
});

const OA = { appid: "wx2c7e9a1f4b6d8e03", secret: "7d1f3a9c5e2b8d4f6a0c1e3b5d7f9a2c" };
const WEBSITE = { appid: "wx8f3a6b2c1d0e4f57", secret: "3b9e2f71c4a8d6e05f1a7c3b9d2e8f40" };

let caDir: string;
let emulator: RunningEmulator;
let proxyUrl: string;
let caPath: string;
let browser: ProxyAgent;

beforeAll(async () => {
  caDir = await mkdtemp(join(tmpdir(), "emulator-ca-"));
  // Strict order on: every SDK's authorize URL must be in WeChat's documented order too.
  emulator = await startEmulator({
    port: 0,
    strictParameterOrder: true,
    proxy: { port: 0, caDir },
  });
  proxyUrl = emulator.proxy?.url ?? "";
  caPath = emulator.proxy?.caCertPath ?? "";
  // The user's browser, also through the proxy: it opens WeChat's pages on their real host names.
  browser = new ProxyAgent({ uri: proxyUrl, requestTls: { ca: await readFile(caPath, "utf8") } });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await emulator?.close();
  if (caDir) await rm(caDir, { recursive: true, force: true });
});

/** What a child needs to reach "WeChat": the proxy and the CA, nothing else of ours. */
function sdkEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    HTTPS_PROXY: proxyUrl,
    NODE_EXTRA_CA_CERTS: caPath,
    REQUESTS_CA_BUNDLE: caPath,
  };
}

/** The user opens an authorize URL inside WeChat and taps Allow; returns where WeChat sends the browser. */
async function consent(authorizeUrl: string): Promise<URL> {
  const page = await request(authorizeUrl.replace(/#.*$/, ""), { dispatcher: browser });
  const html = await page.body.text();
  expect(page.statusCode, html).toBe(200);
  const fields = Object.fromEntries(
    [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((match) => [
      match[1],
      (match[2] ?? "").replaceAll("&amp;", "&"),
    ]),
  );
  expect(fields.appid, html).toBeDefined();
  const answer = await request("https://open.weixin.qq.com/connect/oauth2/authorize", {
    method: "POST",
    dispatcher: browser,
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...fields, decision: "allow" }).toString(),
  });
  await answer.body.dump();
  expect(answer.statusCode).toBe(302);
  return new URL(String(answer.headers.location));
}

/** A website user scans the QR and confirms on the phone (the emulator's control API stands in for the phone). */
async function scanAndConfirm(qrconnectUrl: string): Promise<URL> {
  const url = new URL(qrconnectUrl);
  const page = await request(qrconnectUrl.replace(/#.*$/, ""), { dispatcher: browser });
  expect(page.statusCode).toBe(200);
  await page.body.dump();
  const response = await fetch(`${emulator.url}/_emulator/authorize`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      appid: url.searchParams.get("appid"),
      redirect_uri: url.searchParams.get("redirect_uri"),
      state: url.searchParams.get("state"),
    }),
  });
  const { location } = (await response.json()) as { location: string };
  return new URL(location);
}

const AVATAR = /^https:\/\/api\.weixin\.qq\.com\/_emulator\/avatar\/zhangsan\/132$/;

describe.skipIf(!pythonCheck.available)("Python requests through the proxy", () => {
  it("does the whole login: authorize → confirm → code → access_token → userinfo (+ refresh, auth)", async () => {
    const { stdout } = await run(python, [join(clients, "requests_login.py"), OA.appid, OA.secret], {
      env: sdkEnv(),
      timeout: 30_000,
    });
    const result = JSON.parse(stdout);
    console.info(`[proxy] Python requests ${result.requests} (${python})`);
    expect(result.authorize).toEqual({ status: 302, state: "py123" });
    expect(result.access_token).toMatchObject({
      openid: expect.stringMatching(/^o/),
      scope: "snsapi_userinfo",
      unionid: expect.stringMatching(/^o/),
      expires_in: 7200,
    });
    expect(result.code_reused).toBe(40163);
    expect(result.content_type).toBe("text/plain");
    expect(result.userinfo).toMatchObject({ nickname: "张三", openid: result.access_token.openid });
    expect(result.userinfo.unionid).toBe(result.access_token.unionid);
    expect(result.userinfo.headimgurl).toMatch(AVATAR);
    expect(result.avatar).toEqual({ status: 200, type: "image/svg+xml; charset=utf-8" });
    expect(result.refresh_token).toEqual({ openid: result.access_token.openid, has_unionid: false });
    expect(result.auth).toBe(0);
    expect(result.other_host).toBe("refused");
  });
});

describe("the unmodified wechat-oauth package through the proxy", () => {
  const node = (args: string[]) =>
    run(process.execPath, [join(clients, "wechat-oauth-login.cjs"), ...args], {
      cwd: root,
      env: sdkEnv(),
      timeout: 30_000,
    });

  it("logs in: its authorize URL (strict order) → consent → getAccessToken → getUser → refresh → verify", async () => {
    const urls = JSON.parse(
      (await node(["url", OA.appid, OA.secret, "http://localhost/callback", "oauth7"])).stdout,
    );
    expect(urls.authorize).toMatch(/^https:\/\/open\.weixin\.qq\.com\/connect\/oauth2\/authorize\?appid=/);
    const back = await consent(urls.authorize);
    expect(back.searchParams.get("state")).toBe("oauth7");
    const code = back.searchParams.get("code") ?? "";
    const result = JSON.parse((await node(["login", OA.appid, OA.secret, code])).stdout);
    expect(result.token).toMatchObject({ scope: "snsapi_userinfo", unionid: expect.stringMatching(/^o/) });
    expect(result.user).toMatchObject({ nickname: "张三", unionid: result.token.unionid });
    expect(result.user.headimgurl).toMatch(AVATAR);
    expect(result.refreshed).toEqual({ openid: result.token.openid });
    expect(result.verified).toBe(0);
    // Its error for a used code carries WeChat's errcode.
    expect(result.reused).toBe(40163);
  });

  it("logs in on the website QR: getAuthorizeURLForWebsite → scan → getAccessToken → getUser", async () => {
    const urls = JSON.parse(
      (await node(["url", WEBSITE.appid, WEBSITE.secret, "http://localhost/callback", "site7"])).stdout,
    );
    expect(urls.website).toMatch(/^https:\/\/open\.weixin\.qq\.com\/connect\/qrconnect\?appid=/);
    const back = await scanAndConfirm(urls.website);
    const result = JSON.parse(
      (await node(["login", WEBSITE.appid, WEBSITE.secret, back.searchParams.get("code") ?? ""])).stdout,
    );
    expect(result.token).toMatchObject({ scope: "snsapi_login", unionid: expect.stringMatching(/^o/) });
    expect(result.user.nickname).toBe("张三");
  });
});

describe("the unmodified passport-wechat strategy in Express, through the proxy", () => {
  async function startApp(app: { appid: string; secret: string }, client: "wechat" | "web") {
    const child = spawn(
      process.execPath,
      [join(clients, "passport-wechat-app.cjs"), app.appid, app.secret, client],
      {
        cwd: root,
        env: sdkEnv(),
      },
    );
    let output = "";
    const port = await new Promise<number>((resolvePort, reject) => {
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening (\d+)/.exec(output);
        if (match) resolvePort(Number(match[1]));
      });
      child.stderr.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      child.once("exit", (code) => reject(new Error(`exited (${code}): ${output}`)));
    });
    return {
      base: `http://localhost:${port}`,
      stop: () =>
        new Promise<void>((done) => {
          child.once("exit", () => done());
          child.kill("SIGTERM");
        }),
    };
  }

  it("in WeChat: /login redirects to WeChat, consent, /callback verifies the user with its profile", async () => {
    const app = await startApp(OA, "wechat");
    try {
      const login = await fetch(`${app.base}/login`, { redirect: "manual" });
      expect(login.status).toBe(302);
      const authorize = login.headers.get("location") ?? "";
      expect(authorize).toMatch(/^https:\/\/open\.weixin\.qq\.com\/connect\/oauth2\/authorize\?/);
      const back = await consent(authorize);
      expect(back.origin).toBe(app.base);
      expect(back.searchParams.get("state")).toBe("passport42");
      const callback = await fetch(back);
      const body = (await callback.json()) as { profile: Record<string, unknown>; hasAccessToken: boolean };
      expect(callback.status, JSON.stringify(body)).toBe(200);
      expect(body.hasAccessToken).toBe(true);
      expect(body.profile).toMatchObject({ nickname: "张三", unionid: expect.stringMatching(/^o/) });
      expect(body.profile.headimgurl).toMatch(AVATAR);
    } finally {
      await app.stop();
    }
  });

  it("on a website: /login redirects to qrconnect, the scan confirms, /callback verifies the user", async () => {
    const app = await startApp(WEBSITE, "web");
    try {
      const login = await fetch(`${app.base}/login`, { redirect: "manual" });
      const qrconnect = login.headers.get("location") ?? "";
      expect(qrconnect).toMatch(/^https:\/\/open\.weixin\.qq\.com\/connect\/qrconnect\?/);
      const back = await scanAndConfirm(qrconnect);
      const callback = await fetch(back);
      const body = (await callback.json()) as { profile: Record<string, unknown> };
      expect(callback.status, JSON.stringify(body)).toBe(200);
      expect(body.profile).toMatchObject({ nickname: "张三", unionid: expect.stringMatching(/^o/) });
    } finally {
      await app.stop();
    }
  });
});

/** A code for the default Official Account, as if the user had consented (the control API plays the user). */
async function oaCode(): Promise<string> {
  const response = await fetch(`${emulator.url}/_emulator/authorize`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ appid: OA.appid, scope: "snsapi_userinfo" }),
  });
  return ((await response.json()) as { code: string }).code;
}

// docs/emulator-drop-in.md shows these files (same-as): they run here as a reader runs them.
describe("the drop-in guide's examples", () => {
  const options = () => ({ cwd: root, env: sdkEnv(), timeout: 30_000 });

  it("curl.sh: WeChat's own answer, over TLS to api.weixin.qq.com", async () => {
    const { stdout } = await run("sh", [join(clients, "curl.sh")], options());
    expect(JSON.parse(stdout)).toMatchObject({ errcode: 40001 });
  });

  it("wechat-oauth.cjs: a code → the user's nickname and unionid", async () => {
    const { stdout } = await run(
      process.execPath,
      [join(clients, "wechat-oauth.cjs"), await oaCode()],
      options(),
    );
    expect(stdout).toMatch(/^张三 o[\w-]{27}\n$/);
  });

  it.skipIf(!pythonCheck.available)(
    "requests_exchange.py: a code → the user's nickname and unionid",
    async () => {
      const { stdout } = await run(
        python,
        [join(clients, "requests_exchange.py"), await oaCode()],
        options(),
      );
      expect(stdout).toMatch(/^张三 o[\w-]{27}\n$/);
    },
  );
});
