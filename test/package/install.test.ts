import { mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../adapters/sites.js";
import { spawnGroup, waitForOutput, waitUntilServing } from "../support/processes.js";
import {
  entryPoints,
  freshClone,
  installedPackages,
  linkPackages,
  type Ran,
  run,
  succeeded,
  userEnv,
  writeFiles,
} from "./packed.js";
import { typeCheckProjects } from "./type-projects.js";

// The package as a user gets it: `npm pack` in a fresh clone (prepack builds), then `npm install <tarball>`
// in an empty folder with no package.json "type" (CommonJS, as `npm init -y` makes it). Built and installed
// once for the file; each test runs what a user runs there.
let work: string;
let app: string;
let tarball: string;
let installLog: Ran;
let specs: string[];

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "wechat-login-package-"));
  specs = await entryPoints();
  const clone = join(work, "clone");
  await freshClone(clone);
  succeeded(
    await run("npm", ["pack", "--pack-destination", work], { cwd: clone, timeoutMs: 240_000 }),
    "npm pack",
  );
  const packed = (await readdir(work)).filter((name) => name.endsWith(".tgz"));
  expect(packed).toHaveLength(1);
  tarball = join(work, packed[0]!);
  app = join(work, "app");
  await writeFiles(app, {
    "package.json": `${JSON.stringify({ name: "app", version: "1.0.0", private: true })}\n`,
  });
  installLog = await run(
    "npm",
    [
      "install",
      tarball,
      "--prefer-offline",
      "--no-audit",
      "--no-fund",
      "--foreground-scripts",
      "--loglevel=verbose",
    ],
    { cwd: app, timeoutMs: 240_000 },
  );
  succeeded(installLog, "npm install <tarball>");
}, 480_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

const node = (args: string[], cwd = app, env = userEnv()) => run(process.execPath, args, { cwd, env });

describe("the packed package", () => {
  it("holds the build, the docs with the API reference, the examples and the LICENSE; no tests or sources", async () => {
    const listing = succeeded(await run("tar", ["-tzf", tarball], { cwd: work }), "tar").stdout.split("\n");
    for (const file of [
      "package/dist/package.json",
      "package/dist/index.js",
      "package/dist/index.d.ts",
      "package/dist/cli/index.js",
      "package/docs/api/index.html",
      "package/docs/stores.md",
      "package/docs/frameworks/nestjs.zh-CN.md",
      "package/README.md",
      "package/LICENSE",
    ]) {
      expect(listing).toContain(file);
    }
    expect(listing.filter((file) => /^package\/(src|test|bench|scripts)\//.test(file))).toEqual([]);
    expect(listing.filter((file) => /node_modules|\.next\/|\.tsbuildinfo$/.test(file))).toEqual([]);
  });

  it("installs in an empty folder without compiling anything: no better-sqlite3, no install script, no gyp", async () => {
    await expect(stat(join(app, "node_modules/better-sqlite3"))).rejects.toThrow(/ENOENT/);
    const packages = await installedPackages(app);
    expect(packages.map((found) => found.manifest.name)).toContain("wechat-login");
    const building = packages.filter(
      ({ manifest }) =>
        manifest.gypfile === true ||
        ["preinstall", "install", "postinstall"].some((script) => manifest.scripts?.[script] !== undefined),
    );
    expect(building.map((found) => found.path)).toEqual([]);
    expect(`${installLog.stdout}${installLog.stderr}`).not.toMatch(/node-gyp|gyp info|prebuild-install/);
  });

  it("says which package to install when a store's driver is missing, with a ConfigError", async () => {
    const script = [
      'const { ConfigError } = require("wechat-login");',
      'const { sqliteStore } = require("wechat-login/stores/sqlite");',
      'const { storeFromUrl } = require("wechat-login/stores");',
      "const describe = (e) => ({ config: e instanceof ConfigError, field: e.field, message: e.message + ' ' + e.hint });",
      "Promise.all([",
      '  sqliteStore({ filename: "./data/x.db" }).then(() => "opened", describe),',
      '  storeFromUrl("sqlite:./data/x.db").then(() => "opened", describe),',
      '  storeFromUrl("redis://127.0.0.1:6379").then(() => "opened", describe),',
      '  storeFromUrl("postgres://127.0.0.1/db").then(() => "opened", describe),',
      "]).then((r) => console.log(JSON.stringify(r)));",
    ].join("\n");
    const [direct, sqliteUrl, redisUrl, postgresUrl] = JSON.parse(
      succeeded(await node(["-e", script]), "stores").stdout,
    );
    expect(direct).toMatchObject({ config: true, field: "store" });
    expect(direct.message).toMatch(/"better-sqlite3" package.*npm install better-sqlite3@12/);
    expect(sqliteUrl).toMatchObject({ config: true, field: "STORE_URL" });
    expect(sqliteUrl.message).toMatch(/npm install better-sqlite3@12/);
    expect(redisUrl.message).toMatch(/npm install ioredis/);
    expect(postgresUrl.message).toMatch(/npm install pg/);
    await expect(stat(join(app, "data"))).rejects.toThrow(/ENOENT/);
  });

  it("says to install node-forge when the emulator's proxy is asked for without it", async () => {
    const ran = await run(
      "npx",
      ["wechat-login", "emulator", "--port", "0", "--proxy-port", "0", "--ca-dir", join(work, "ca")],
      { cwd: app },
    );
    expect(ran.code).toBe(1);
    expect(ran.stderr).toMatch(/--proxy-port.*"node-forge".*npm install node-forge/);
    await expect(stat(join(work, "ca"))).rejects.toThrow(/ENOENT/);
  });

  it("runs `npx wechat-login --help`", async () => {
    const ran = succeeded(await run("npx", ["wechat-login", "--help"], { cwd: app }), "npx --help");
    expect(ran.stdout).toMatch(/^Usage: wechat-login <command>/);
  });

  it.each([
    ["C", "Store:         memory:", "better-sqlite3 is not installed", "Press Ctrl-C to stop."],
    ["zh_CN.UTF-8", "存储：        memory:", "未安装 better-sqlite3", "按 Ctrl-C 退出。"],
  ])(
    "runs `npx wechat-login start` on memory without better-sqlite3, and says so (LANG=%s)",
    async (lang, store, why, bannerEnd) => {
      const port = await freePort();
      const cli = spawnGroup(
        "npx",
        ["wechat-login", "start", "--port", String(port), "--emulator-port", "0"],
        {
          cwd: app,
          env: userEnv({ LANG: lang }),
        },
      );
      try {
        await waitUntilServing(`http://localhost:${port}/`, cli, 30_000);
        expect((await fetch(`http://localhost:${port}/`)).status).toBe(200);
        await waitForOutput(cli, bannerEnd, 30_000);
        expect(cli.output()).toContain(store);
        expect(cli.output()).toContain(why);
        expect(cli.output()).toContain("npm install better-sqlite3@12");
      } finally {
        await cli.stop();
      }
      await expect(stat(join(app, "data"))).rejects.toThrow(/ENOENT/);
    },
  );

  it("refuses an explicit sqlite: STORE_URL without better-sqlite3, naming it", async () => {
    const port = await freePort();
    const ran = await run("npx", ["wechat-login", "start", "--port", String(port), "--emulator-port", "0"], {
      cwd: app,
      env: userEnv({ STORE_URL: "sqlite:./data/login.db" }),
    });
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/STORE_URL.*npm install better-sqlite3@12/);
  });

  it("type-checks from TypeScript: CommonJS and ESM under NodeNext, node10 and bundler resolution, without @types/better-sqlite3", async () => {
    // No shipped declaration, reachable or not, imports the driver's types.
    const dist = join(app, "node_modules/wechat-login/dist");
    for (const file of await readdir(dist, { recursive: true })) {
      if (!file.endsWith(".d.ts")) continue;
      const declarations = await readFile(join(dist, file), "utf8");
      expect(declarations, file).not.toMatch(/(from |import\()["'](better-sqlite3|node-forge)["']/);
    }
    for (const project of await typeCheckProjects(app)) {
      const ran = await node([
        join(import.meta.dirname, "../../node_modules/typescript/bin/tsc"),
        "-p",
        project,
      ]);
      expect(`${project}\n${ran.stdout}${ran.stderr}`).toBe(`${project}\n`);
    }
  }, 180_000);

  it("require()s the root and every subpath from CommonJS, also where require() cannot load ES modules (Node 20.18)", async () => {
    // Each spec's exported names, or the error that stopped it.
    const script = [
      "const specs = JSON.parse(process.argv[1]);",
      "const result = {};",
      "for (const spec of specs) {",
      '  try { result[spec] = Object.keys(require(spec)); } catch (error) { result[spec] = error.message.split("\\n")[0]; }',
      "}",
      "console.log(JSON.stringify(result));",
    ].join("\n");
    const requireAll = async (flags: string[]) => {
      const ran = succeeded(await node([...flags, "-e", script, JSON.stringify(specs)]), `require ${flags}`);
      expect(ran.stderr).toBe(""); // no ExperimentalWarning, no deprecation
      return JSON.parse(ran.stdout) as Record<string, string[] | string>;
    };
    // Only the Redis and PostgreSQL stores and the NestJS module import their peer as they load; the app
    // installs it to use them (the Passport strategy never imports passport).
    const withoutPeers = await requireAll([]);
    expect(Object.entries(withoutPeers).filter(([, names]) => typeof names === "string")).toEqual([
      ["wechat-login/stores/redis", "Cannot find module 'ioredis'"],
      ["wechat-login/stores/postgres", "Cannot find module 'pg'"],
      ["wechat-login/nestjs", "Cannot find module '@nestjs/common'"],
    ]);
    await linkPackages(app, ["ioredis", "pg", "@nestjs/common"]);
    const flags = process.allowedNodeEnvironmentFlags.has("--no-experimental-require-module")
      ? [[], ["--no-experimental-require-module"]]
      : [[]];
    for (const flag of flags) {
      const loaded = await requireAll(flag);
      expect(Object.keys(loaded)).toEqual(specs);
      for (const names of Object.values(loaded)) {
        expect(Array.isArray(names) && names.filter((name) => name !== "__esModule").length).toBeGreaterThan(
          0,
        );
      }
    }
  });

  it("imports the root and every subpath from an ES module: the same exports, and one copy of each class", async () => {
    await writeFiles(join(app, "esm"), {
      "package.json": '{ "type": "module" }\n',
      "check.js": [
        'import { createRequire } from "node:module";',
        'import { ConfigError, createLogin } from "wechat-login";',
        'import { memoryStore } from "wechat-login/stores/memory";',
        "const require = createRequire(import.meta.url);",
        "const specs = JSON.parse(process.argv[2]);",
        "const names = {};",
        "for (const spec of specs) {",
        '  const imported = Object.keys(await import(spec)).filter((n) => n !== "default" && n !== "__esModule");',
        '  const required = Object.keys(require(spec)).filter((n) => n !== "__esModule");',
        "  names[spec] = [imported.sort(), required.sort()];",
        "}",
        'const sameClass = ConfigError === require("wechat-login/protocol").ConfigError;',
        "console.log(JSON.stringify({ names, sameClass, createLogin: typeof createLogin, store: memoryStore().kind }));",
      ].join("\n"),
    });
    const ran = succeeded(await node(["check.js", JSON.stringify(specs)], join(app, "esm")), "import");
    expect(ran.stderr).toBe("");
    const result = JSON.parse(ran.stdout) as {
      names: Record<string, [string[], string[]]>;
      sameClass: boolean;
      createLogin: string;
      store: string;
    };
    expect(Object.keys(result.names)).toEqual(specs);
    for (const [imported, required] of Object.values(result.names)) expect(imported).toEqual(required);
    expect(result).toMatchObject({ sameClass: true, createLogin: "function", store: "memory" });
  });
});
