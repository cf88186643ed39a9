import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caddyConfig, nginxConfig, traefikConfig } from "../../src/gateway/index.js";
import { EchoUpstream, GatewayBrowser, loginThrough } from "../gateway/harness.js";
import { CliBuild, freePort, stop } from "../support/cli.js";

const build = new CliBuild();
const dir = mkdtempSync(join(tmpdir(), "wl-proxy-cli-"));

beforeAll(async () => {
  await build.build();
}, 120_000);

afterAll(async () => {
  await build.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe("wechat-login proxy", () => {
  it("prints its help in English and Chinese, and is listed in the usage", async () => {
    const en = await build.run(["proxy", "--help"]);
    expect(en.code).toBe(0);
    expect(en.stdout).toContain("--upstream URL");
    expect(en.stdout).toContain("WECHAT_LOGIN_<FLAG>");
    const zh = await build.run(["proxy", "--help"], { LANG: "zh_CN.UTF-8" });
    expect(zh.stdout).toContain("反向代理模式");
    expect((await build.run(["--help"])).stdout).toContain("proxy ");
  });

  it("--print-nginx, --print-traefik and --print-caddy print the configurations the tests run", async () => {
    const settings = {
      gateway: "127.0.0.1:4180",
      upstream: "app:8080",
      prefix: "/_wl",
      host: "app.example.com",
      sessionCookie: "__Host-wl_session",
    };
    const flags = ["--public-url", "https://app.example.com", "--upstream", "http://app:8080"];
    const nginx = await build.run(["proxy", "--print-nginx", ...flags]);
    expect(nginx.stdout).toBe(`${nginxConfig(settings)}\n`);
    // The same settings from WECHAT_LOGIN_* variables.
    const fromEnv = await build.run(["proxy", "--print-traefik"], {
      WECHAT_LOGIN_PUBLIC_URL: "https://app.example.com",
      WECHAT_LOGIN_UPSTREAM: "http://app:8080",
    });
    expect(fromEnv.stdout).toBe(`${traefikConfig(settings)}\n`);
    expect((await build.run(["proxy", "--print-caddy", ...flags])).stdout).toBe(`${caddyConfig(settings)}\n`);
  });

  it("names the flag and its variable of a missing setting, in the user's language", async () => {
    const missing = await build.run(["proxy", "--upstream", "http://127.0.0.1:9"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--appid (WECHAT_LOGIN_APPID) is required.");
    const zh = await build.run(["proxy"], { LANG: "zh_CN.UTF-8", WECHAT_LOGIN_APPID: "wx0123456789abcdef" });
    expect(zh.stderr).toContain("缺少 --secret（WECHAT_LOGIN_SECRET）");
    const unreadable = await build.run(["proxy", "--secret-file", join(dir, "nope")]);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain("--secret-file: cannot read");
    const badRoster = join(dir, "bad.yaml");
    writeFileSync(badRoster, "users:\n  not a key!: {}\n");
    const bad = await build.run(["proxy", "--emulator", "--allow-file", badRoster]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--allow-file is invalid");
  });

  it("--emulator refuses an AppID that is not one of the emulator's fake apps", async () => {
    const refused = await build.run([
      "proxy",
      "--emulator",
      "--emulator-port",
      String(await freePort()),
      "--appid",
      "wx0123456789abcdef",
      "--store",
      "memory:",
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("refusing AppID wx0123456789abcdef");
  });

  it("--check reports the store and the upstream, and fails when one does not answer", async () => {
    const upstream = await new EchoUpstream().start();
    const base = ["proxy", "--check", "--emulator", "--store", "memory:"];
    try {
      const good = await build.run([
        ...base,
        "--emulator-port",
        String(await freePort()),
        "--upstream",
        upstream.url,
      ]);
      expect(good.code).toBe(0);
      expect(good.stdout).toContain("ok    store memory: answers");
      expect(good.stdout).toContain(`ok    upstream ${upstream.url} answers (HTTP 200)`);
      expect(good.stdout).toContain("/_wl/callback");
    } finally {
      await upstream.close();
    }
    const gone = `http://127.0.0.1:${await freePort()}`;
    const bad = await build.run([...base, "--emulator-port", String(await freePort()), "--upstream", gone], {
      LANG: "zh_CN.UTF-8",
    });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain(`失败  后端 ${gone} 可访问：ECONNREFUSED`);
  });

  it("--emulator --upstream: a whole login through the process, the backend sees who, SIGTERM stops it", async () => {
    const upstream = await new EchoUpstream().start();
    const port = await freePort();
    const emulatorPort = await freePort();
    const metricsPort = await freePort();
    const secretFile = join(dir, "session-secret");
    writeFileSync(secretFile, `${"s".repeat(40)}\n`);
    const proxy = build.start(
      [
        "proxy",
        "--emulator",
        "--emulator-port",
        String(emulatorPort),
        "--listen",
        `127.0.0.1:${port}`,
        "--upstream",
        upstream.url,
        "--store",
        "memory:",
        "--public",
        "GET:/healthz",
        "--metrics-listen",
        `127.0.0.1:${metricsPort}`,
      ],
      { WECHAT_LOGIN_SESSION_SECRET_FILE: secretFile, LOG_LEVEL: "silent" },
    );
    try {
      await proxy.ready;
      expect(proxy.output().stdout).toContain(`http://127.0.0.1:${port}/  →  ${upstream.url}`);
      expect(proxy.output().stdout).toContain("No --allow-file");
      const site = `http://127.0.0.1:${port}`;
      const browser = new GatewayBrowser();
      const { back } = await loginThrough(browser, `http://127.0.0.1:${emulatorPort}`, `${site}/dashboard`);
      expect(back).toBe(`${site}/dashboard`);
      expect((await browser.get(back)).status).toBe(200);
      expect(upstream.last().headers["x-auth-request-user"]).toMatch(/^o/);
      expect((await fetch(`${site}/healthz`)).status).toBe(200);
      expect((await fetch(`${site}/_wl/ready`)).status).toBe(200);
      // Metrics on their own listener only: on the protected host /metrics is just another protected path.
      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      expect(metrics).toContain('wechat_login_logins_total{flow="website"} 1');
      expect(metrics).toMatch(/wechat_login_gateway_decisions_total\{mode="proxy",result="allow"\} [1-9]/);
      expect(metrics).toMatch(/wechat_login_gateway_decisions_total\{mode="proxy",result="login"\} [1-9]/);
      expect(metrics).toContain("wechat_login_gateway_upstream_seconds_count");
      expect(metrics).not.toContain(upstream.last().headers["x-auth-request-user"] as string);
      expect((await fetch(`${site}/metrics`, { redirect: "manual" })).status).toBe(401);
    } finally {
      expect(await stop(proxy.child, proxy.exited, "SIGTERM")).toBe(0);
      await upstream.close();
    }
  });
});
