// One of several processes sharing a Redis or PostgreSQL store, all asking for the same
// expired user token and the app credential at once (see cluster.test.ts).
// argv: compiled src dir, job JSON. Started by runTogether (test/support/together.ts).
const [srcDir, jobJson] = process.argv.slice(2);
const job = JSON.parse(jobJson);
const { WeChatClient, UserTokens, AppCredential } = await import(`${srcDir}/client/index.js`);
const store =
  job.store.kind === "redis"
    ? (await import(`${srcDir}/stores/redis.js`)).redisStore({ url: job.store.url, prefix: job.store.prefix })
    : await (await import(`${srcDir}/stores/postgres.js`)).postgresStore({
        connectionString: job.store.url,
        schema: job.store.schema,
      });
const client = new WeChatClient({ appid: job.appid, secret: job.secret, apiBase: job.apiBase });
const tokens = new UserTokens({ client, store });
const credential = new AppCredential({ client, store });
// Everyone connects first, then all start together when the test says go, so the calls really overlap.
await store.getToken(`${job.appid}:${job.openid}`, Date.now());
process.stdout.write("ready\n");
await new Promise((resolve) => process.stdin.once("data", resolve));
const [accessTokens, appTokens] = await Promise.all([
  Promise.all(Array.from({ length: job.callers }, () => tokens.getAccessToken(job.openid))),
  Promise.all(Array.from({ length: job.callers }, () => credential.getAccessToken())),
]);
await client.close();
await store.close();
process.stdout.write(
  JSON.stringify({
    accessTokens: [...new Set(accessTokens)],
    appTokens: [...new Set(appTokens.map((token) => token.accessToken))],
  }),
);
