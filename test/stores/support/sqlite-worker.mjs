// A separate process racing its siblings on one SQLite file (see sqlite-processes.test.ts).
// argv: compiled stores dir, database file, worker index, job JSON. Started by runTogether (test/support/together.ts).
const [storesDir, filename, index, jobJson] = process.argv.slice(2);
const { sqliteStore } = await import(`${storesDir}/sqlite.js`);
const job = JSON.parse(jobJson);
const store = await sqliteStore({ filename });
// Everyone opens first, then all start together when the test says go, so the operations really overlap.
process.stdout.write("ready\n");
await new Promise((resolve) => process.stdin.once("data", resolve));
const fresh = [];
// Each worker starts on its own slice, then runs into the others' slices: states are won in every process.
const offset = Math.floor((job.states.length * Number(index)) / job.workers);
const states = [...job.states.slice(offset), ...job.states.slice(0, offset)];
// A pause between calls lets the others take the write lock; a tight loop would hold it while they back off.
const pause = () => new Promise((resolve) => setTimeout(resolve, 1));
for (const state of states) {
  if ((await store.consumeState(state, job.now)).status === "fresh") fresh.push(state);
  await pause();
}
const users = {};
for (const openid of job.openids) {
  const result = await store.linkIdentity({
    appid: job.appid,
    openid,
    unionid: `u-${openid}`,
    profile: undefined,
    now: job.now,
  });
  users[openid] = result.user.id;
  await pause();
}
const fencingTokens = [];
for (let i = 0; i < job.lockRounds; i++) {
  const lock = await store.acquireLock("race", 60_000);
  if (lock) {
    fencingTokens.push(lock.fencingToken);
    await lock.release();
  }
}
let rateAllowed = 0;
for (let i = 0; i < job.rateHits; i++) {
  if ((await store.consumeRateLimit(job.rateRule, "198.51.100.1")).allowed) rateAllowed++;
}
await store.close();
process.stdout.write(JSON.stringify({ fresh, users, fencingTokens, rateAllowed }));
