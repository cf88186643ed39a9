import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliBuild, freePort, stop } from "../support/cli.js";

const build = new CliBuild();
let workdir: string;

beforeAll(async () => {
  await build.build();
  workdir = await mkdtemp(join(tmpdir(), "start-cli-"));
}, 60_000);

afterAll(async () => {
  await build.remove();
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe("wechat-login start", () => {
  it("serves the demo and the emulator on SQLite in ./data, prints both URLs, and exits 0 on SIGINT", async () => {
    const [port, emulatorPort] = [await freePort(), await freePort()];
    const running = build.start(
      ["start", "--port", String(port), "--emulator-port", String(emulatorPort)],
      {},
      workdir,
    );
    await running.ready;
    const { stdout } = running.output();
    expect(stdout).toContain(`http://localhost:${port}/`);
    expect(stdout).toContain(`http://127.0.0.1:${emulatorPort}/`);
    expect(stdout).toContain("sqlite:./data/wechat-login.db");

    const home = await fetch(`http://localhost:${port}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('id="login-redirect"');
    const login = await fetch(`http://localhost:${port}/auth/login`, { redirect: "manual" });
    expect(login.status).toBe(302);
    expect(login.headers.get("location")).toContain(`http://127.0.0.1:${emulatorPort}/connect/qrconnect?`);
    expect((await stat(join(workdir, "data/wechat-login.db"))).isFile()).toBe(true);

    expect(await stop(running.child, running.exited, "SIGINT")).toBe(0);
    expect(running.output().stdout + running.output().stderr).not.toMatch(/wl_login=|state=[a-f0-9]{64}/);
  });

  it("rejects bad flags with one clear line and exit code 2", async () => {
    const port = await build.run(["start", "--port", "70000"]);
    expect(port.code).toBe(2);
    expect(port.stderr.trim()).toBe('--port must be an integer from 0 to 65535 (got "70000").');

    const unknown = await build.run(["start", "--prot", "3000"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--prot");
    expect(unknown.stderr).not.toMatch(/\n\s+at /);
  });

  it("names the missing variable for --no-emulator, in Chinese when LANG is zh_CN", async () => {
    const missing = await build.run(["start", "--no-emulator"], { LANG: "zh_CN.UTF-8" }, workdir);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("WECHAT_APPID");
    expect(missing.stderr).toContain("配置项");
  });

  it("names a malformed variable and never prints the secret", async () => {
    const secret = "0123456789abcdef0123456789abcdef";
    const bad = await build.run(
      ["start", "--no-emulator"],
      {
        WECHAT_APPID: "not-an-appid",
        WECHAT_SECRET: secret,
        WECHAT_REDIRECT_URI: "https://example.com/auth/callback",
        SESSION_SECRET: "x".repeat(40),
        STORE_URL: "memory:",
      },
      workdir,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("WECHAT_APPID");
    expect(bad.stdout + bad.stderr).not.toContain(secret);
  });
});
