import { Buffer } from "node:buffer";
import { createHmac, randomBytes, randomUUID } from "node:crypto";

// A fixed key: openids must be stable across restarts so tests and demo databases keep matching users.
const DERIVATION_KEY = "wechat-login emulator identity v1";

// Every token check derives the caller's openid; an HMAC per call was a twentieth of the emulator's time.
// The ids are a pure function of their input, so remembering them changes nothing but the cost.
const derived = new Map<string, string>();
const MAX_DERIVED = 10_000;

function derive(namespace: string, subject: string): string {
  const input = `${namespace}\n${subject}`;
  const known = derived.get(input);
  if (known !== undefined) return known;
  const digest = createHmac("sha256", DERIVATION_KEY).update(input).digest("base64url");
  // WeChat's openids and unionids are 28 characters starting with "o".
  const id = `o${digest.slice(0, 27)}`;
  if (derived.size >= MAX_DERIVED) derived.clear();
  derived.set(input, id);
  return id;
}

/** The user's openid in one app: stable, and different in every app. */
export function openidFor(appid: string, userId: string): string {
  return derive(`openid:${appid}`, userId);
}

/** The user's unionid under one Open Platform account: the same in every app bound to it. */
export function unionidFor(openAccount: string, userId: string): string {
  return derive(`unionid:${openAccount}`, userId);
}

// A code exchange mints two tokens; a call into the CSPRNG for each was most of its cost. Drawing them
// from a pool filled 4 kB at a time (as crypto.randomUUID does) uses every random byte once all the same.
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/** An unguessable token of `bytes` random bytes, base64url. */
export function randomToken(bytes: number): string {
  if (bytes > POOL_BYTES) return randomBytes(bytes).toString("base64url");
  if (poolOffset + bytes > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolOffset = 0;
  }
  const token = pool.toString("base64url", poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return token;
}

/** A fresh QR ticket id. */
export function newUuid(): string {
  return randomUUID();
}

/** A request id like WeChat's `6583f22d-35b1b023-4a6d02b6`: time, then randomness. */
export function newRid(nowMs: number): string {
  const time = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, "0")
    .slice(-8);
  return `${time}-${randomBytes(4).toString("hex")}-${randomBytes(4).toString("hex")}`;
}
