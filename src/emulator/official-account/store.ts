import { createHash, randomBytes } from "node:crypto";
import type { EmulatorClock } from "../clock.js";
import type { EmulatorApp } from "../config.js";
import { randomToken } from "../ids.js";
import type { MpConsole } from "./settings.js";

/** A parametric QR code from `cgi-bin/qrcode/create`. */
export interface MpQrCode {
  /** The id in the code's URL, `/q/<id>`. */
  id: string;
  appid: string;
  ticket: string;
  /** What pushes carry back in `EventKey` ("0" when the request lacked the `scene` wrapper, as on WeChat). */
  scene: string;
  /** Epoch ms; undefined for a permanent code. */
  expiresAt: number | undefined;
}

/** A user following an account. */
export interface MpFollow {
  since: number;
  scene: "ADD_SCENE_QR_CODE" | "ADD_SCENE_SEARCH";
  qrSceneStr: string;
}

/** One HTTP attempt of a push delivery, as the control API lists it. */
export interface MpDeliveryAttempt {
  time: string;
  msgType: string;
  event: string | undefined;
  attempt: number;
  /** HTTP status, 0 when none came. */
  status: number;
  outcome: "acknowledged" | "timeout" | "network" | "http" | "invalid_reply";
  durationMs: number;
}

// Deterministic per appid so the defaults can be quoted in docs; fake like every emulator credential.
function derived(appid: string, purpose: string, length: number): string {
  return createHash("sha256").update(`${purpose}\n${appid}`).digest("hex").slice(0, length);
}

/** Consoles, QR codes, followers and delivery logs of the emulated Official Accounts. */
export class OfficialAccountStore {
  readonly #consoles = new Map<string, MpConsole>();
  readonly #codes = new Map<string, MpQrCode>();
  readonly #followers = new Map<string, MpFollow>();
  #deliveries: MpDeliveryAttempt[] = [];
  /** Out-of-order fault: the push held back until the next one of its account. */
  readonly held = new Map<string, () => Promise<unknown>>();

  constructor(private readonly clock: EmulatorClock) {}

  /** The console of an Official Account, from its config (or derived defaults) the first time. */
  console(app: EmulatorApp): MpConsole {
    let found = this.#consoles.get(app.appid);
    if (!found) {
      const settings = app.officialAccount;
      found = {
        appid: app.appid,
        originalId: settings?.originalId ?? `gh_${derived(app.appid, "original id", 12)}`,
        token: settings?.token ?? derived(app.appid, "token", 32),
        encodingAesKey: settings?.encodingAesKey ?? `${derived(app.appid, "aes key", 43)}`,
        previousEncodingAesKey: undefined,
        mode: settings?.mode ?? "plain",
        format: settings?.format ?? "xml",
        accountType: settings?.accountType ?? "service-verified",
        serverUrl: settings?.serverUrl,
        faults: { duplicate: false, outOfOrder: false, wrongSignature: false, staleKey: false },
      };
      this.#consoles.set(app.appid, found);
    }
    return found;
  }

  /** Issues a QR code; `expireSeconds` undefined makes it permanent. */
  createCode(appid: string, scene: string, expireSeconds: number | undefined): MpQrCode {
    const code: MpQrCode = {
      id: randomToken(16),
      appid,
      // Spec A.1: an opaque, base64-looking ticket of about 96 characters.
      ticket: randomBytes(72).toString("base64"),
      scene,
      expiresAt: expireSeconds === undefined ? undefined : this.clock.now() + expireSeconds * 1000,
    };
    this.#codes.set(code.id, code);
    return code;
  }

  code(id: string): MpQrCode | undefined {
    return this.#codes.get(id);
  }

  codeByTicket(ticket: string): MpQrCode | undefined {
    for (const code of this.#codes.values()) if (code.ticket === ticket) return code;
    return undefined;
  }

  isExpired(code: MpQrCode): boolean {
    return code.expiresAt !== undefined && this.clock.now() >= code.expiresAt;
  }

  follow(appid: string, userId: string, scene: MpFollow["scene"], qrSceneStr = ""): void {
    this.#followers.set(`${appid}\n${userId}`, {
      since: Math.floor(this.clock.now() / 1000),
      scene,
      qrSceneStr,
    });
  }

  unfollow(appid: string, userId: string): void {
    this.#followers.delete(`${appid}\n${userId}`);
  }

  following(appid: string, userId: string): MpFollow | undefined {
    return this.#followers.get(`${appid}\n${userId}`);
  }

  record(attempt: MpDeliveryAttempt): void {
    this.#deliveries.push(attempt);
    if (this.#deliveries.length > 1000) this.#deliveries.shift();
  }

  deliveries(): MpDeliveryAttempt[] {
    return this.#deliveries.map((entry) => ({ ...entry }));
  }

  clear(): void {
    this.#consoles.clear();
    this.#codes.clear();
    this.#followers.clear();
    this.#deliveries = [];
    this.held.clear();
  }
}
