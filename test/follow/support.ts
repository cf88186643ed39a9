import { type RunningEmulator, startEmulator } from "../../src/emulator/index.js";
import type { LoginOptions } from "../../src/flow/index.js";
import type { MpEvent } from "../../src/protocol/index.js";
import type { Store } from "../../src/stores/types.js";
import { type SecuritySite, startSite } from "../security/support.js";
import { HttpBrowser } from "../support/http-browser.js";

export type Mode = "plain" | "compat" | "safe";
export type Format = "xml" | "json";
export type Variant = "qr" | "code";

export interface OaConsole {
  token: string;
  encodingAesKey: string;
  previousEncodingAesKey?: string;
  originalId: string;
  serverUrl?: string;
}

export interface FollowWorld {
  emulator: RunningEmulator;
  website: { appid: string; secret: string };
  officialAccount: { appid: string; secret: string };
  console: OaConsole;
}

export async function startWorld(): Promise<FollowWorld> {
  const emulator = await startEmulator({ port: 0 });
  const pick = (name: string) => {
    const app = emulator.apps.find((candidate) => candidate.name === name);
    if (!app) throw new Error(`no default app ${name}`);
    return { appid: app.appid, secret: app.secret };
  };
  const officialAccount = pick("Demo Official Account");
  const response = await fetch(`${emulator.url}/_emulator/mp/${officialAccount.appid}`);
  const { console } = (await response.json()) as { console: OaConsole };
  return { emulator, website: pick("Demo Website"), officialAccount, console };
}

export async function control(world: FollowWorld, method: string, path: string, body?: unknown) {
  const response = await fetch(`${world.emulator.url}/_emulator${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** The phone: what the emulator's control API does for one user of the Official Account. */
export function phone(world: FollowWorld, userId: string) {
  const mp = `/mp/${world.officialAccount.appid}`;
  return {
    scan: (ticket: string, follow = true) => control(world, "POST", `${mp}/scan`, { ticket, follow, userId }),
    follow: () => control(world, "POST", `${mp}/follow`, { userId }),
    unfollow: () => control(world, "POST", `${mp}/unfollow`, { userId }),
    text: (content: string) => control(world, "POST", `${mp}/text`, { content, userId }),
  };
}

export interface FollowSite extends SecuritySite {
  /** The receiver's URL, as entered in the console. */
  eventsUrl: string;
}

/** A site with follow-to-login on `store`, registered in the emulator's console in `mode` and `format`. */
export async function startFollowSite(
  world: FollowWorld,
  store: Store,
  options: {
    mode?: Mode;
    format?: Format;
    variants?: Variant[];
    overrides?: Partial<LoginOptions>;
    register?: boolean;
    onEvent?: (event: MpEvent) => unknown;
  } = {},
): Promise<FollowSite> {
  const mode = options.mode ?? "plain";
  const site = await startSite({
    store,
    upstream: world.emulator.url,
    apps: { website: world.website, officialAccount: world.officialAccount },
    overrides: {
      mpBase: world.emulator.url,
      officialAccount: {
        ...world.officialAccount,
        token: world.console.token,
        encodingAESKey: mode === "plain" ? undefined : world.console.encodingAesKey,
        originalId: world.console.originalId,
        followLogin: { variants: options.variants ?? ["qr", "code"], siteName: "example.com" },
        onEvent: options.onEvent,
      },
      ...options.overrides,
    },
  });
  const eventsUrl = `${site.url.replace("localhost", "127.0.0.1")}/auth/mp/events`;
  if (options.register !== false) {
    const saved = await control(world, "PUT", `/mp/${world.officialAccount.appid}`, {
      serverUrl: eventsUrl,
      mode,
      format: options.format ?? "xml",
    });
    if (saved.status !== 200) throw new Error(`console refused the site: ${JSON.stringify(saved.body)}`);
  }
  return { ...site, eventsUrl };
}

export interface Started {
  attemptId: string;
  variant: Variant;
  qrImageUrl?: string;
  code?: string;
  expiresIn: number;
  pollUrl: string;
}

/** `GET /auth/follow` as JSON from `browser`. */
export async function startAttempt(
  site: SecuritySite,
  browser: HttpBrowser,
  variant: Variant,
): Promise<Started> {
  const response = await browser.get(`${site.url}/auth/follow?variant=${variant}&returnTo=%2Fprofile`, {
    headers: { accept: "application/json" },
  });
  if (response.status !== 200)
    throw new Error(`follow answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Started;
}

export const ticketOf = (started: Started) =>
  new URL(started.qrImageUrl ?? "").searchParams.get("ticket") ?? "";

export async function poll(site: SecuritySite, browser: HttpBrowser, started: Started) {
  const response = await browser.get(`${site.url}${started.pollUrl}`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** What the phone does for an attempt: scan its QR (following, or already following), or send its code. */
export async function confirmOnPhone(
  world: FollowWorld,
  started: Started,
  userId: string,
  returning = false,
) {
  const user = phone(world, userId);
  if (returning) await user.follow();
  if (started.variant === "qr") return user.scan(ticketOf(started), !returning);
  if (!returning) await user.follow();
  return user.text(started.code ?? "");
}

export { HttpBrowser };
