import { UserTokens, WeChatClient } from "wechat-login/client";
import { redisStore } from "wechat-login/stores/redis";
import { REDIS_URL } from "../lib/backends.js";
import { sendReady, serveParent } from "../lib/child.js";
import { WEBSITE } from "../lib/emulator.js";
import { storm } from "./storm.js";

// One of the "instances" of the cluster: its own client, its own Redis connection, the shared key prefix.
const [base, prefix] = process.argv.slice(2) as [string, string];
const client = new WeChatClient({ ...WEBSITE, apiBase: base, openBase: base });
const store = redisStore({ url: REDIS_URL, prefix });
const tokens = new UserTokens({ client, store });

serveParent(
  async (message) => {
    const { openids, calls, startAt } = message as unknown as {
      openids: string[];
      calls: number;
      startAt: number;
    };
    // Both processes fire at the same wall-clock moment, so their storms overlap.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
    return { ...(await storm(tokens, openids, calls)) };
  },
  async () => {
    await store.close();
    await client.close();
  },
);
sendReady({});
