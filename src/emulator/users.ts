import type { EmulatorUser } from "./config.js";

/**
 * The avatar URL a client sees. Default users' avatars are paths on the
 * emulator, resolved against the origin the caller used, so they work on
 * loopback and from a phone on the LAN alike.
 */
export function avatarUrl(user: EmulatorUser, base: string): string {
  return user.headimgurl.startsWith("/") ? new URL(user.headimgurl, base).href : user.headimgurl;
}

/** A user as the control API and `startEmulator` show it: avatar made absolute. */
export function publicUser(user: EmulatorUser, base: string): EmulatorUser {
  return { ...user, headimgurl: avatarUrl(user, base) };
}
