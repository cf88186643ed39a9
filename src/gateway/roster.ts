import { parse } from "yaml";
import { z } from "zod";
import { ConfigError } from "../protocol/errors.js";

/** One person of `users.yaml`: WeChat gives neither an e-mail nor (since 2021-12-27) a nickname. */
export interface RosterEntry {
  name: string | undefined;
  email: string | undefined;
  groups: readonly string[];
}

/** The allow-list: user key (unionid, or `appid:openid`) → who they are. */
export type Roster = ReadonlyMap<string, RosterEntry>;

// A group name ends up in a comma-separated header: no commas, no spaces, nothing a header cannot carry.
const group = z.string().regex(/^[A-Za-z0-9_.:@-]{1,64}$/, "a group is 1–64 of A-Z a-z 0-9 _ . : @ -");
const entry = z
  .object({
    name: z.string().min(1).max(200).optional(),
    email: z.string().email().max(320).optional(),
    groups: z.array(group).max(100).default([]),
  })
  .strict();
// A unionid/openid is 28 URL-safe characters today; `wx…:openid` for the appid:openid form.
const USER_KEY = /^(?:wx[0-9a-f]{16}:)?[A-Za-z0-9_-]{6,64}$/;
const file = z.object({ users: z.record(z.string(), entry.nullable()) }).strict();

/**
 * Reads `users.yaml`:
 * ```yaml
 * users:
 *   o6_bmasdasdsad6_2sgVt7hMZOPfL:      # the unionid (or wx…:openid)
 *     name: 张三
 *     email: zhang@example.com
 *     groups: [ops]
 * ```
 * @throws {ConfigError} naming the first bad entry, for a file that is not such a roster.
 */
export function parseRoster(text: string): Roster {
  let data: unknown;
  try {
    data = parse(text, { maxAliasCount: 10 });
  } catch (error) {
    throw new ConfigError(
      "roster",
      `is not valid YAML (${error instanceof Error ? error.message.split("\n")[0] : "?"})`,
    );
  }
  const parsed = file.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError("roster", `${issue?.path.join(".") || "(top)"}: ${issue?.message ?? "invalid"}`);
  }
  const roster = new Map<string, RosterEntry>();
  for (const [key, value] of Object.entries(parsed.data.users)) {
    if (!USER_KEY.test(key))
      throw new ConfigError("roster", `users."${key.slice(0, 80)}": not a unionid or appid:openid`);
    roster.set(key, { name: value?.name, email: value?.email, groups: value?.groups ?? [] });
  }
  return roster;
}
