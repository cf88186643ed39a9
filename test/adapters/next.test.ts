import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import { confirmOnPhone } from "../support/confirm.js";
import { ensurePackageBuilt } from "../support/package-build.js";
import { type GroupProcess, runGroup, spawnGroup, waitUntilServing } from "../support/processes.js";
import { loginAndLogOut } from "./scenario.js";
import { CookieClient, freePort, SESSION_SECRET } from "./sites.js";

const root = resolve(import.meta.dirname, "../..");
const app = join(root, "examples/next");
const next = join(root, "node_modules/next/dist/bin/next");

// The real Next.js app (App Router, Turbopack): `next build` then `next start`, as a user deploys it.
// next-stand-in.ts covers the adapter's conversions in-process; this proves the app itself works.
describe("the Next.js example, built and started", () => {
  let emulator: RunningEmulator;
  let server: GroupProcess | undefined;
  let workdir: string;
  let url: string;
  let appid: string;

  beforeAll(async () => {
    workdir = await mkdtemp(join(tmpdir(), "next-example-"));
    emulator = await startEmulator({ port: 0 });
    const website = emulator.apps.find((candidate) => candidate.kind === "website" && candidate.openAccount)!;
    appid = website.appid;
    const port = await freePort();
    url = `http://localhost:${port}`;
    const env = {
      PATH: process.env.PATH ?? "",
      NEXT_TELEMETRY_DISABLED: "1",
      WECHAT_APPID: website.appid,
      WECHAT_SECRET: website.secret,
      WECHAT_REDIRECT_URI: `${url}/auth/callback`,
      WECHAT_OPEN_BASE: emulator.url,
      WECHAT_API_BASE: emulator.url,
      SESSION_SECRET,
      AUTH_SECRET: SESSION_SECRET,
    };
    await ensurePackageBuilt();
    // `next build` loads lib/login.ts while collecting page data, so the config must be valid then too;
    // a memory store keeps the build from touching the real one.
    // At the lowest CPU priority: the build takes both cores for a minute, and the suite's timing-sensitive
    // tests (several processes racing for one SQLite file) run beside it.
    await runGroup("nice", ["-n", "19", process.execPath, next, "build"], {
      cwd: app,
      env: { ...env, STORE_URL: "memory:" },
      timeoutMs: 150_000,
    });
    // One server process, but possibly one lib/login.ts per route bundle: the store must be shared.
    const store = `sqlite:${join(workdir, "login.db")}`;
    server = spawnGroup(
      process.execPath,
      [next, "start", "--port", String(port), "--hostname", "localhost"],
      {
        cwd: app,
        env: { ...env, STORE_URL: store, NODE_ENV: "production" },
      },
    );
    await waitUntilServing(`${url}/me`, server, 30_000);
  }, 200_000);

  afterAll(async () => {
    await server?.stop();
    await emulator?.close();
    if (workdir) await rm(workdir, { recursive: true, force: true });
  });

  it("logs in, serves the session to the app, and logs out", async () => {
    await loginAndLogOut(url, emulator, appid);
  });

  it("signs in to Auth.js (next-auth v5) from the WeChat login, once: the ticket is spent, a replay is refused", async () => {
    const browser = new CookieClient(url);
    expect((await browser.request("/account")).status).toBe(401);
    const started = await browser.request("/auth/login?returnTo=%2Fsignin%2Fwechat");
    const landed = await browser.request(
      await confirmOnPhone(emulator.url, started.headers.get("location")!),
    );
    expect(landed.headers.get("location")).toBe("/signin/wechat");
    const ticket = browser.cookies.get("wl_session")!;
    const ours = (await (await browser.request("/auth/session")).json()) as { user: { id: string } };

    // next-auth's signIn() in the route handler: Auth.js's session cookie, then on to /account.
    const signedIn = await browser.request("/signin/wechat");
    expect(signedIn.status).toBeGreaterThanOrEqual(303);
    expect(signedIn.status).toBeLessThanOrEqual(307);
    expect(new URL(signedIn.headers.get("location")!, url).pathname).toBe("/account");
    expect(browser.cookies.has("authjs.session-token")).toBe(true);
    const account = await browser.request("/account");
    expect(account.status).toBe(200);
    const user = (await account.json()) as { id: string; name: string; email?: string | null };
    expect(user.name).toBe(emulator.users[0]!.nickname);
    expect(user.id).toBe(ours.user.id);
    expect(user.email ?? null).toBeNull();
    // The flow's session was the ticket: gone now, for this browser and for a copy of its cookie.
    expect((await browser.request("/auth/session")).status).toBe(401);
    // This browser back on the sign-in route (WeChat's double callback): sent on, no second session.
    const again = await browser.request("/signin/wechat");
    expect(again.status).toBe(303);
    expect(new URL(again.headers.get("location")!, url).pathname).toBe("/account");
    expect(again.headers.getSetCookie().some((c) => c.startsWith("authjs.session-token="))).toBe(false);
    const copy = new CookieClient(url);
    copy.cookies.set("wl_session", ticket);
    const replayed = await copy.request("/signin/wechat");
    expect(replayed.status).toBe(401);
    expect(await replayed.json()).toEqual({ error: "not_logged_in" });
    expect(copy.cookies.has("authjs.session-token")).toBe(false);
    expect((await copy.request("/account")).status).toBe(401);
  });

  it("renders the logged-out home page from a server component", async () => {
    const home = await fetch(`${url}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('href="/auth/login?returnTo=/"');
  });
});
