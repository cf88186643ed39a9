import type { UserTokens } from "wechat-login/client";

export interface StormResult {
  failed: number;
  firstError: string | undefined;
  /** Distinct access tokens handed out per openid: 1 each when every caller got the one refreshed token. */
  distinctTokens: number[];
}

/** `calls` concurrent getAccessToken spread evenly over `openids`. */
export async function storm(tokens: UserTokens, openids: readonly string[], calls: number) {
  const seen = openids.map(() => new Set<string>());
  let failed = 0;
  let firstError: string | undefined;
  await Promise.all(
    Array.from({ length: calls }, async (_, index) => {
      const user = index % openids.length;
      try {
        seen[user]!.add(await tokens.getAccessToken(openids[user]!));
      } catch (error) {
        failed += 1;
        firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
    }),
  );
  const result: StormResult = { failed, firstError, distinctTokens: seen.map((set) => set.size) };
  return result;
}
