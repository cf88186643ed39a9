import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliBuild, stop } from "../support/cli.js";
import { freePort } from "../support/ports.js";

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
    expect(stdout).toContain(`Follow to log in: http://localhost:${port}/auth/follow`);
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

  it("lists every missing variable for --no-emulator at once, one line each, with an example value", async () => {
    const missing = await build.run(["start", "--no-emulator"], {}, workdir);
    expect(missing.code).toBe(2);
    const lines = missing.stderr.trim().split("\n");
    expect(lines.map((line) => line.split(" ")[0])).toEqual([
      "WECHAT_APPID",
      "WECHAT_SECRET",
      "WECHAT_REDIRECT_URI",
      "SESSION_SECRET",
    ]);
    expect(lines[0]).toBe(
      "WECHAT_APPID is not set: the website app's AppID from the WeChat Open Platform, e.g. WECHAT_APPID=wx0123456789abcdef",
    );
    expect(lines[3]).toContain("SESSION_SECRET=$(openssl rand -hex 32)");
  });

  it("says it all in Chinese under zh_CN: no English prefix, no doubled one", async () => {
    const missing = await build.run(
      ["start", "--no-emulator"],
      { LANG: "zh_CN.UTF-8", WECHAT_APPID: "wx0123456789abcdef", SESSION_SECRET: "short" },
      workdir,
    );
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split("\n")).toEqual([
      "未设置 WECHAT_SECRET：网站应用的 AppSecret，例如 WECHAT_SECRET=0123456789abcdef0123456789abcdef",
      "未设置 WECHAT_REDIRECT_URI：本站的回调地址，须在应用的授权回调域下，例如 WECHAT_REDIRECT_URI=https://example.com/auth/callback",
      "SESSION_SECRET 无效：至少需要 32 位，例如 SESSION_SECRET=$(openssl rand -hex 32)",
    ]);

    const flag = await build.run(["start", "--port"], { LANG: "zh_CN.UTF-8" });
    expect(flag.code).toBe(2);
    expect(flag.stderr.trim()).toBe("--port 需要一个值：--port <值>。");
    const positional = await build.run(["start", "now"], { LANG: "zh_CN.UTF-8" });
    expect(positional.stderr.trim()).toBe('多余的参数 "now"：此命令只接受 -- 开头的参数。');
    const unknown = await build.run(["start", "--prot", "3000"], {
      LC_ALL: "zh_CN.UTF-8",
      LANG: "en_US.UTF-8",
    });
    expect(unknown.stderr.trim()).toBe("未知参数 --prot。");
  });

  it("translates Node's own flag-parser errors", async () => {
    const noValue = await build.run(["emulator", "--host"]);
    expect(noValue.code).toBe(2);
    expect(noValue.stderr.trim()).toBe("--host needs a value: --host <value>.");
    const boolean = await build.run(["start", "--no-emulator=yes"]);
    expect(boolean.code).toBe(2);
    expect(boolean.stderr.trim()).toBe("--no-emulator takes no value.");
    expect(boolean.stderr).not.toMatch(/Option '|ERR_PARSE_ARGS/);
  });

  it("checks a SESSION_SECRET given to the emulator demo too, in the user's language", async () => {
    const result = await build.run(
      ["start", "--port", String(await freePort()), "--emulator-port", String(await freePort())],
      { SESSION_SECRET: "too-short", STORE_URL: "memory:", LANG: "zh_CN.UTF-8" },
      workdir,
    );
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      "SESSION_SECRET 无效：至少需要 32 位，例如 SESSION_SECRET=$(openssl rand -hex 32)",
    );
  });

  it("names every malformed variable and never prints the secret", async () => {
    const secret = "0123456789abcdef0123456789abcdef";
    const bad = await build.run(
      ["start", "--no-emulator"],
      {
        WECHAT_APPID: "not-an-appid",
        WECHAT_SECRET: secret,
        WECHAT_REDIRECT_URI: "https://example.com/#/callback",
        SESSION_SECRET: "x".repeat(40),
        STORE_URL: "memory:",
      },
      workdir,
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split("\n")).toEqual([
      "WECHAT_APPID is invalid: a WeChat AppID is wx followed by 16 hex characters, e.g. WECHAT_APPID=wx0123456789abcdef",
      "WECHAT_REDIRECT_URI is invalid: must be an http(s) URL without a #fragment, e.g. WECHAT_REDIRECT_URI=https://example.com/auth/callback",
    ]);
    expect(bad.stdout + bad.stderr).not.toContain(secret);
  });

  it("names STORE_URL and the path when the store cannot be opened", async () => {
    const blocker = join(workdir, "not-a-directory");
    await writeFile(blocker, "");
    const [port, emulatorPort] = [await freePort(), await freePort()];
    const result = await build.run(
      ["start", "--port", String(port), "--emulator-port", String(emulatorPort)],
      { STORE_URL: `sqlite:${blocker}/login.db` },
      workdir,
    );
    expect(result.code).toBe(2);
    // mkdir reports a file in the way as EEXIST or ENOTDIR depending on the platform.
    expect(result.stderr.trim()).toMatch(
      new RegExp(`^STORE_URL: cannot open the store at ${blocker}/login\\.db \\((EEXIST|ENOTDIR)\\)\\.$`),
    );

    const scheme = await build.run(
      ["start", "--port", String(port), "--emulator-port", String(emulatorPort)],
      { STORE_URL: "mysql://root:hunter2@db/app", LANG: "zh_CN.UTF-8" },
      workdir,
    );
    expect(scheme.code).toBe(2);
    expect(scheme.stderr.trim()).toBe(
      "STORE_URL 无效（mysql://db）：请使用 memory:、sqlite:<文件>、redis://host:6379/0 或 postgres://user@host/db。",
    );
    expect(scheme.stderr).not.toContain("hunter2");
  });

  it("names the port and its flag when a port is in use", async () => {
    const taken = createServer();
    await new Promise<void>((resolveListen) => taken.listen(0, "127.0.0.1", resolveListen));
    const port = (taken.address() as AddressInfo).port;
    try {
      const demo = await build.run(
        ["start", "--host", "127.0.0.1", "--port", String(port), "--emulator-port", String(await freePort())],
        { STORE_URL: "memory:" },
        workdir,
      );
      expect(demo.code).toBe(1);
      expect(demo.stderr.trim()).toBe(
        `Port ${port} is already in use (--port): stop the other server or pass another port, e.g. --port ${port + 10}.`,
      );
      const emulator = await build.run(
        ["start", "--port", String(await freePort()), "--emulator-port", String(port)],
        { STORE_URL: "memory:", LANG: "zh_CN.UTF-8" },
        workdir,
      );
      expect(emulator.code).toBe(1);
      expect(emulator.stderr.trim()).toBe(
        `端口 ${port} 已被占用（--emulator-port）：请停止占用它的程序，或换一个端口，例如 --emulator-port ${port + 10}。`,
      );
    } finally {
      await new Promise((resolveClose) => taken.close(resolveClose));
    }
  });

  it.skipIf(!existsSync("/usr/bin/script"))(
    "pretty-prints its logs on a terminal, one line per entry, and writes JSON lines otherwise",
    async () => {
      const [port, emulatorPort] = [await freePort(), await freePort()];
      const command = `${process.execPath} ${build.cli} start --port ${port} --emulator-port ${emulatorPort}`;
      // util-linux's script(1) gives the CLI a pseudo-terminal as stdout, as a developer's shell does.
      const terminal = spawn("script", ["-qfec", command, "/dev/null"], {
        cwd: workdir,
        env: { PATH: process.env.PATH ?? "", LANG: "en_US.UTF-8", STORE_URL: "memory:" },
      });
      let output = "";
      terminal.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
      });
      const exited = new Promise((resolveExit) => terminal.once("exit", resolveExit));
      try {
        await expect.poll(() => output, { timeout: 15_000 }).toContain("Ctrl-C");
        await fetch(`http://localhost:${port}/auth/login`, { redirect: "manual" });
        await expect.poll(() => output, { timeout: 5_000 }).toContain("GET /auth/login 302");
      } finally {
        terminal.kill("SIGTERM");
        await exited;
      }
      const line = output.split(/\r?\n/).find((candidate) => candidate.includes("GET /auth/login 302"))!;
      expect(line).toMatch(/^\[\d\d:\d\d:\d\d\] /);
      expect(line).toContain("\u001b[32mINFO\u001b[39m");
      expect(output).not.toMatch(/^\{"level"/m);

      const pipedPort = await freePort();
      const piped = build.start(
        ["start", "--port", String(pipedPort), "--emulator-port", String(await freePort())],
        { STORE_URL: "memory:" },
        workdir,
      );
      await piped.ready;
      await fetch(`http://localhost:${pipedPort}/auth/login`, { redirect: "manual" });
      await expect.poll(() => piped.output().stdout).toContain('"event":"request"');
      expect(await stop(piped.child, piped.exited, "SIGTERM")).toBe(0);
      expect(piped.output().stdout).toMatch(/^\{"level":30,/m);
    },
  );

  it("rejects an unknown LOG_LEVEL by name", async () => {
    const result = await build.run(["start"], { LOG_LEVEL: "verbose" });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose").',
    );
  });

  it("prints the package's version for --version", async () => {
    const manifest = JSON.parse(await readFile(join(import.meta.dirname, "../../package.json"), "utf8")) as {
      version: string;
    };
    const result = await build.run(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${manifest.version}\n`);
  });
});
