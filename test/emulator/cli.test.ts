import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliBuild, stop } from "../support/cli.js";

const build = new CliBuild();
const run = (args: string[], env?: Record<string, string>) => build.run(args, env);
const start = (args: string[], env?: Record<string, string>) => build.start(args, env);
let configDir: string;

beforeAll(async () => {
  await build.build();
  configDir = await mkdtemp(join(tmpdir(), "emulator-cli-"));
}, 60_000);

afterAll(async () => {
  await build.remove();
  if (configDir) await rm(configDir, { recursive: true, force: true });
});

describe("wechat-login emulator", () => {
  it("prints its URL, a QR login URL and the default app, serves, and exits 0 on SIGTERM", async () => {
    const running = start(["emulator", "--port", "0"]);
    await running.ready;
    const { stdout } = running.output();
    const url = /running at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    expect(url).toBeDefined();
    expect(stdout).toContain("appid wx8f3a6b2c1d0e4f57  secret 3b9e2f71c4a8d6e05f1a7c3b9d2e8f40");
    const qr = /Try the QR login:\s+(\S+)/.exec(stdout)?.[1];
    expect(qr).toMatch(new RegExp(`^${url}/connect/qrconnect\\?appid=wx8f3a6b2c1d0e4f57&`));
    const page = await (await fetch(qr!)).text();
    expect(page).toMatch(/data-uuid="[0-9a-f-]{36}"/);
    expect((await fetch(`${url}/_emulator/state`)).status).toBe(200);
    expect(await stop(running.child, running.exited, "SIGTERM")).toBe(0);
  });

  it("exits 0 on Ctrl-C (SIGINT)", async () => {
    const running = start(["emulator", "--port", "0"]);
    await running.ready;
    expect(await stop(running.child, running.exited, "SIGINT")).toBe(0);
  });

  it("warns that --host 0.0.0.0 is reachable from the LAN", async () => {
    const running = start(["emulator", "--port", "0", "--host", "0.0.0.0"]);
    await running.ready;
    expect(running.output().stderr).toMatch(
      /^Warning: bound to all interfaces, the emulator is reachable from your LAN/,
    );
    expect(await stop(running.child, running.exited, "SIGTERM")).toBe(0);
  });

  it("serves the apps of --config", async () => {
    const path = join(configDir, "good.json");
    await writeFile(
      path,
      JSON.stringify({
        apps: [
          {
            kind: "website",
            appid: "wx0123456789abcdef",
            secret: "0123456789abcdef0123456789abcdef",
            name: "Mine",
            domains: ["127.0.0.1"],
          },
        ],
        users: [{ id: "alice", nickname: "Alice" }],
      }),
    );
    const running = start(["emulator", "--port", "0", "--config", path]);
    await running.ready;
    expect(running.output().stdout).toContain('App "Mine":  appid wx0123456789abcdef');
    expect(await stop(running.child, running.exited, "SIGTERM")).toBe(0);
  });

  it.each([
    [["emulator", "--port", "70000"], /^--port must be an integer from 0 to 65535 \(got "70000"\)\.$/],
    [["emulator", "--port", "abc"], /^--port must be an integer from 0 to 65535 \(got "abc"\)\.$/],
    [["emulator", "--port", "-1"], /--port/],
    [["emulator", "--port"], /^--port needs a value: --port <value>\.$/],
    [["emulator", "--bogus"], /^Unknown flag --bogus\.$/],
    [["emulator", "extra"], /^Unexpected argument "extra": this command takes flags only\.$/],
    [["emulator", "--host", ""], /^--host must not be empty\.$/],
    [
      ["emulator", "--config", "/nonexistent/emulator.json"],
      /^Invalid --config \/nonexistent\/emulator\.json: cannot read .*ENOENT/,
    ],
    [["frobnicate"], /^Unknown command "frobnicate"\./],
    [[], /^Usage: wechat-login/],
  ])("rejects %j with one clear line and exit code 2", async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")[0]).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe("");
  });

  it("names the bad field of an invalid config file", async () => {
    const path = join(configDir, "bad.json");
    await writeFile(path, JSON.stringify({ apps: [{ kind: "website", appid: "wx1" }], users: [] }));
    const result = await run(["emulator", "--config", path]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      `Invalid --config ${path}: apps[0].appid: must be \`wx\` followed by 16 lowercase hex characters`,
    );
    const notJson = join(configDir, "not.json");
    await writeFile(notJson, "{");
    const broken = await run(["emulator", "--config", notJson]);
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/is not valid JSON/);
  });

  it("speaks zh-CN when LANG or LC_ALL says so", async () => {
    const zh = await run(["emulator", "--port", "99999"], { LANG: "zh_CN.UTF-8" });
    expect(zh.code).toBe(2);
    expect(zh.stderr.trim()).toBe('--port 必须是 0 到 65535 之间的整数（收到 "99999"）。');
    const lcAll = await run(["emulator", "--bogus"], { LANG: "en_US.UTF-8", LC_ALL: "zh_TW.UTF-8" });
    expect(lcAll.stderr.trim()).toBe("未知参数 --bogus。");
  });

  it("prints help with exit code 0", async () => {
    const result = await run(["emulator", "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: wechat-login emulator/);
  });

  it("exits 1 with one line when the port is taken", async () => {
    const first = start(["emulator", "--port", "0"]);
    await first.ready;
    const port = /127\.0\.0\.1:(\d+)/.exec(first.output().stdout)?.[1];
    const second = await run(["emulator", "--port", port!]);
    expect(second.code).toBe(1);
    expect(second.stderr.trim()).toBe(`Cannot listen on 127.0.0.1:${port} (EADDRINUSE).`);
    expect(await stop(first.child, first.exited, "SIGTERM")).toBe(0);
  });

  it("--proxy-port serves WeChat's hosts through a proxy and prints its URL and the CA to trust", async () => {
    const caDir = join(configDir, "ca");
    const running = start([
      "emulator",
      "--port",
      "0",
      "--proxy-port",
      "0",
      "--ca-dir",
      caDir,
      "--strict-order",
    ]);
    await running.ready;
    const { stdout } = running.output();
    const proxy = /WeChat's hosts proxy: (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    expect(proxy, stdout).toBeDefined();
    expect(stdout).toContain(`Local CA to trust:  ${join(caDir, "ca.pem")}`);
    const { stdout: body } = await promisify(execFile)("curl", [
      "--silent",
      "--proxy",
      proxy ?? "",
      "--cacert",
      join(caDir, "ca.pem"),
      "https://api.weixin.qq.com/sns/auth",
    ]);
    expect(JSON.parse(body)).toMatchObject({ errcode: 41001 });
    expect(await stop(running.child, running.exited, "SIGTERM")).toBe(0);
  });

  it("says the proxy's lines in zh-CN, and refuses a bad --proxy-port", async () => {
    const running = start(
      ["emulator", "--port", "0", "--proxy-port", "0", "--ca-dir", join(configDir, "ca-zh")],
      {
        LANG: "zh_CN.UTF-8",
      },
    );
    await running.ready;
    expect(running.output().stdout).toMatch(/微信域名代理：\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(running.output().stdout).toContain("需要信任的本地 CA：");
    expect(await stop(running.child, running.exited, "SIGTERM")).toBe(0);
    const bad = await run(["emulator", "--proxy-port", "http"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--proxy-port");
  });
});
