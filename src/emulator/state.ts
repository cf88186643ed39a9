import { AppTokenStore } from "./app-tokens.js";
import { EmulatorClock } from "./clock.js";
import type { EmulatorApp, EmulatorConfig, EmulatorUser } from "./config.js";
import { DEFAULT_CONFIG } from "./defaults.js";
import { FaultStore } from "./faults.js";
import { DEFAULT_LIFETIMES, GrantStore } from "./grants.js";
import { Holds } from "./holds.js";
import { openidFor, unionidFor } from "./ids.js";
import { MiniProgramStore } from "./mini-program.js";
import { OfficialAccountStore } from "./official-account/store.js";
import { RequestLog } from "./request-log.js";
import { TicketStore } from "./tickets.js";

/** Options that shape the emulator's state, shared by {@link createEmulatorApp} and `startEmulator`. */
export interface EmulatorStateOptions {
  /** Apps and users; the defaults of `docs/emulator.md` when omitted. */
  config?: EmulatorConfig;
  /** Lifetime of an authorization code or `wx.login()` code. Default 300. */
  codeLifetimeSeconds?: number;
  /** Lifetime of a QR ticket on the qrconnect page. Default 300. */
  qrLifetimeSeconds?: number;
  /**
   * Origin the QR codes point the phone at, e.g. `http://192.168.1.20:3001`.
   * Default: the origin the QR page was requested on.
   */
  phoneBaseUrl?: string;
  /**
   * Refuse `oauth2/authorize` URLs whose parameters are not in the order
   * WeChat documents (appid, redirect_uri, response_type, scope, state; spec §2),
   * as WeChat itself may. Off by default. Default false.
   */
  strictParameterOrder?: boolean;
}

/** TCP connections the HTTP server accepted. */
export interface ConnectionCounts {
  /** Accepted since start or the last reset. */
  opened: number;
  /** Open right now. */
  open: number;
}

function copyConfig(config: EmulatorConfig): EmulatorConfig {
  return structuredClone(config);
}

/** Everything the emulator remembers. One instance per emulator; nothing global. */
export class EmulatorState {
  readonly clock = new EmulatorClock();
  readonly grants: GrantStore;
  readonly miniProgram: MiniProgramStore;
  readonly appTokens: AppTokenStore;
  readonly tickets: TicketStore;
  readonly officialAccounts: OfficialAccountStore;
  readonly faults = new FaultStore();
  readonly log = new RequestLog();
  readonly holds = new Holds();
  readonly connections: ConnectionCounts = { opened: 0, open: 0 };
  readonly apps = new Map<string, EmulatorApp>();
  readonly users = new Map<string, EmulatorUser>();
  /** Who is "logged in to WeChat" for the in-WeChat web authorization. */
  oauthUserId = "";
  /** See {@link EmulatorStateOptions.phoneBaseUrl}; the CLI sets it once a wildcard bind knows its port. */
  phoneBaseUrl: string | undefined;
  /** See {@link EmulatorStateOptions.strictParameterOrder}. */
  readonly strictParameterOrder: boolean;
  readonly #initial: EmulatorConfig;

  constructor(options: EmulatorStateOptions = {}) {
    this.#initial = copyConfig(options.config ?? DEFAULT_CONFIG);
    const codeLifetime = options.codeLifetimeSeconds ?? DEFAULT_LIFETIMES.code;
    this.grants = new GrantStore(this.clock, { ...DEFAULT_LIFETIMES, code: codeLifetime });
    this.miniProgram = new MiniProgramStore(this.clock, codeLifetime);
    this.appTokens = new AppTokenStore(this.clock);
    this.tickets = new TicketStore(this.clock, options.qrLifetimeSeconds ?? 300);
    this.officialAccounts = new OfficialAccountStore(this.clock);
    this.phoneBaseUrl = options.phoneBaseUrl?.replace(/\/+$/, "");
    this.strictParameterOrder = options.strictParameterOrder ?? false;
    this.#load();
  }

  /** Back to the initial apps and users; forgets codes, tokens, tickets, faults, the log and the clock offset. */
  reset(): void {
    this.grants.clear();
    this.miniProgram.clear();
    this.appTokens.clear();
    this.tickets.clear();
    this.officialAccounts.clear();
    this.faults.clear();
    this.log.clear();
    this.clock.reset();
    this.connections.opened = 0;
    this.#load();
  }

  /** Registers an app (already validated); its users' openids follow from its appid. */
  addApp(app: EmulatorApp): void {
    this.apps.set(app.appid, structuredClone(app));
  }

  /** Registers a test user (already validated); they can log in to every app. */
  addUser(user: EmulatorUser): void {
    this.users.set(user.id, structuredClone(user));
  }

  /** The user WeChat shows by default: the first configured one. */
  defaultUser(): EmulatorUser {
    const first = this.users.values().next().value;
    if (!first) throw new Error("the emulator has no users");
    return first;
  }

  /** The user's openid in this app. */
  openid(app: EmulatorApp, userId: string): string {
    return openidFor(app.appid, userId);
  }

  /** Spec §3.1: only apps bound to an Open Platform account have unionids. */
  unionid(app: EmulatorApp, userId: string): string | undefined {
    return app.openAccount ? unionidFor(app.openAccount, userId) : undefined;
  }

  #load(): void {
    this.apps.clear();
    this.users.clear();
    for (const app of this.#initial.apps) this.addApp(app);
    for (const user of this.#initial.users) this.addUser(user);
    this.oauthUserId = this.defaultUser().id;
  }
}
