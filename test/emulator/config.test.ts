import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_CONFIG,
  EmulatorConfigError,
  loadEmulatorConfigFile,
  parseEmulatorConfig,
  startEmulator,
} from "../../src/emulator/index.js";

const app = {
  kind: "website",
  appid: "wx0123456789abcdef",
  secret: "0123456789abcdef0123456789abcdef",
  name: "My site",
  domains: ["localhost"],
};
const user = { id: "alice", nickname: "Alice" };

function fieldOf(input: unknown): string {
  try {
    parseEmulatorConfig(input);
  } catch (error) {
    if (error instanceof EmulatorConfigError) return error.field;
    throw error;
  }
  throw new Error("expected an EmulatorConfigError");
}

describe("parseEmulatorConfig", () => {
  it("accepts the defaults and fills optional fields", () => {
    expect(parseEmulatorConfig(DEFAULT_CONFIG)).toEqual(DEFAULT_CONFIG);
    const parsed = parseEmulatorConfig({
      apps: [{ ...app, kind: "mini-program", domains: undefined }],
      users: [user],
    });
    expect(parsed.apps[0]?.domains).toEqual([]);
    expect(parsed.users[0]?.headimgurl).toBe("");
  });

  it.each([
    [{ apps: [{ ...app, appid: "wx0123" }], users: [user] }, "apps[0].appid"],
    [{ apps: [{ ...app, appid: "wx0123456789ABCDEF" }], users: [user] }, "apps[0].appid"],
    [{ apps: [app, { ...app, secret: "nothex" }], users: [user] }, "apps[1].secret"],
    [{ apps: [app, app], users: [user] }, "apps[1].appid"],
    [{ apps: [{ ...app, domains: [] }], users: [user] }, "apps[0].domains"],
    [{ apps: [{ ...app, domains: ["http://localhost"] }], users: [user] }, "apps[0].domains[0]"],
    [{ apps: [{ ...app, kind: "game" }], users: [user] }, "apps[0].kind"],
    [{ apps: [{ ...app, typo: true }], users: [user] }, "apps[0]"],
    [{ apps: [], users: [user] }, "apps"],
    [{ apps: [app], users: [user, user] }, "users[1].id"],
    [{ apps: [app], users: [{ id: "a b", nickname: "x" }] }, "users[0].id"],
    [{ apps: [app] }, "users"],
    ["not an object", ""],
  ])("names the bad field (%#: %s)", (input, field) => {
    expect(fieldOf(input)).toBe(field);
  });
});

describe("loadEmulatorConfigFile", () => {
  it("reads a valid file and reports unreadable or invalid ones", async () => {
    const dir = await mkdtemp(join(tmpdir(), "emulator-config-"));
    const good = join(dir, "good.json");
    await writeFile(good, JSON.stringify({ apps: [app], users: [user] }));
    expect((await loadEmulatorConfigFile(good)).apps[0]?.appid).toBe(app.appid);

    const broken = join(dir, "broken.json");
    await writeFile(broken, "{ nope");
    await expect(loadEmulatorConfigFile(broken)).rejects.toThrow(/is not valid JSON/);
    await expect(loadEmulatorConfigFile(join(dir, "missing.json"))).rejects.toThrow(/cannot read .*ENOENT/);
  });
});

describe("startEmulator with a config", () => {
  it("serves the configured apps and users, and reset returns to them", async () => {
    const emulator = await startEmulator({
      port: 0,
      config: parseEmulatorConfig({ apps: [app], users: [user] }),
    });
    try {
      expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(emulator.apps.map((entry) => entry.appid)).toEqual([app.appid]);
      await fetch(`${emulator.url}/_emulator/users`, {
        method: "POST",
        body: JSON.stringify({ id: "bob", nickname: "Bob" }),
      });
      await fetch(`${emulator.url}/_emulator/reset`, { method: "POST" });
      const state = await (await fetch(`${emulator.url}/_emulator/state`)).json();
      expect(state.users).toEqual([{ id: "alice", nickname: "Alice", headimgurl: "" }]);
    } finally {
      await emulator.close();
    }
  });
});
