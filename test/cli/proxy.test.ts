import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { caddyConfig, nginxConfig, traefikConfig } from "../../src/gateway/index.js";
import { EchoUpstream, GatewayBrowser, loginThrough } from "../gateway/harness.js";
import { CliBuild, stop } from "../support/cli.js";
import { freePort } from "../support/ports.js";

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

  it("--config reads the table's settings as YAML keys: flag > variable > file > default", async () => {
    const config = join(dir, "gateway.yaml");
    writeFileSync(
      config,
      ["public_url: https://file.example.com", "upstream: http://app:8080", "prefix: /_wl", ""].join("\n"),
    );
    const host = (host: string) => nginxConfig({ ...settings, host });
    const settings = {
      gateway: "127.0.0.1:4180",
      upstream: "app:8080",
      prefix: "/_wl",
      host: "file.example.com",
      sessionCookie: "__Host-wl_session",
    };
    const fromFile = await build.run(["proxy", "--print-nginx", "--config", config]);
    expect(fromFile.stderr).toBe("");
    expect(fromFile.stdout).toBe(`${host("file.example.com")}\n`);
    const env = { WECHAT_LOGIN_CONFIG: config, WECHAT_LOGIN_PUBLIC_URL: "https://env.example.com" };
    expect((await build.run(["proxy", "--print-nginx"], env)).stdout).toBe(`${host("env.example.com")}\n`);
    const flag = await build.run(["proxy", "--print-nginx", "--public-url", "https://flag.example.com"], env);
    expect(flag.stdout).toBe(`${host("flag.example.com")}\n`);
    // The default listen address, since the file names none.
    expect(fromFile.stdout).toContain("127.0.0.1:4180");
  });

  it("--config: the guide's gateway.yaml (secrets from *_file keys, a list, a roster) runs a whole --check", async () => {
    const secret = join(dir, "wechat-secret");
    writeFileSync(secret, "0123456789abcdef0123456789abcdef\n");
    const session = join(dir, "session-secret-2");
    writeFileSync(session, `${"k".repeat(40)}\n`);
    const roster = join(dir, "users.yaml");
    writeFileSync(roster, "users:\n  o6_bmasdasdsad6_2sgVt7hMZOPfL:\n    name: 张三\n");
    const upstream = await new EchoUpstream().start();
    const guide = readFileSync(join(import.meta.dirname, "../../docs/gateway.md"), "utf8");
    const block = /```yaml\n(# gateway\.yaml[\s\S]*?)```/.exec(guide)?.[1];
    expect(block).toBeDefined();
    const config = join(dir, "gateway.yaml");
    writeFileSync(
      config,
      `${(block ?? "")
        .replace("/run/secrets/wechat-secret", secret)
        .replace("/run/secrets/session-secret", session)
        .replace("redis://127.0.0.1:6379/0", "'memory:'")
        .replace("users.yaml", roster)
        .replace("http://127.0.0.1:8080", upstream.url)}require_unionid: true\nemulator_port: 3001\n`,
    );
    try {
      const good = await build.run(["proxy", "--check", "--config", config]);
      expect(good.stderr).toBe("");
      expect(good.code).toBe(0);
      expect(good.stdout).toContain("ok    store memory: answers");
      expect(good.stdout).toContain(`ok    upstream ${upstream.url} answers (HTTP 200)`);
      expect(good.stdout).not.toContain("No --allow-file");
    } finally {
      await upstream.close();
    }
    writeFileSync(config, ["appid: wx0123456789abcdef", `secret_file: ${join(dir, "nope")}`, ""].join("\n"));
    const unreadable = await build.run(["proxy", "--check", "--config", config]);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain("secret_file: cannot read");
  });

  it("--config names the file and the key of a bad key or value, never the value, in the user's language", async () => {
    const config = join(dir, "bad-config.yaml");
    writeFileSync(config, "public_url: https://app.example.com\npublc_url: x\n");
    const unknown = await build.run(["proxy", "--check", "--config", config]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(
      `${config} has an unknown key "publc_url". The keys are: listen, upstream,`,
    );
    expect(unknown.stderr).toContain("session_secret_file");
    writeFileSync(config, "require_unionid: 'not-a-secret-value'\n");
    const badValue = await build.run(["proxy", "--check", "--config", config], { LANG: "zh_CN.UTF-8" });
    expect(badValue.code).toBe(2);
    expect(badValue.stderr).toContain(`${config} 中的 require_unionid 应为 true 或 false`);
    expect(badValue.stderr).not.toContain("not-a-secret-value");
    writeFileSync(config, "session_secret: [hunter2-hunter2]\n");
    const list = await build.run(["proxy", "--check", "--config", config]);
    expect(list.stderr).toContain("session_secret must be a string.");
    expect(list.stderr).not.toContain("hunter2");
    writeFileSync(config, 'secret: "hunter2-unclosed\nappid: x\n');
    const notYaml = await build.run(["proxy", "--check", "--config", config]);
    expect(notYaml.code).toBe(2);
    expect(notYaml.stderr).toMatch(/is not valid YAML \(line \d+: [A-Z_]+\)/);
    expect(notYaml.stderr).not.toContain("hunter2");
    writeFileSync(config, "- listen\n");
    expect((await build.run(["proxy", "--check", "--config", config])).stderr).toContain(
      "must be a map of settings",
    );
    const missing = await build.run(["proxy", "--check"], { WECHAT_LOGIN_CONFIG: join(dir, "none.yaml") });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--config: cannot read");
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
