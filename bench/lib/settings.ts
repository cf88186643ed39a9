/** How long and how hard each scenario runs; `--quick` only proves that every path still works. */
export interface Settings {
  quick: boolean;
  /** Closed-loop phases of scenarios 1 and 2. */
  warmupMs: number;
  measureMs: number;
  /** Rounds of A-B-B-A in scenarios 1 and 6. */
  rounds: number;
  concurrencies: readonly number[];
  /** Connections of our client's pool and of every baseline that has a pool. */
  poolSize: number;
  /** Scenario 3. */
  burstCalls: number;
  leakCalls: number;
  /** The leak run stops here even short of `leakCalls` (a loaded machine); the calls made are reported. */
  leakMaxMs: number;
  /** Scenario 4. */
  stormUsers: number;
  stormCalls: number;
  /** Scenario 5 (autocannon). */
  serverConnections: number;
  serverWarmupSeconds: number;
  /** Seconds (`/session`) and logins (`/callback`) each contender is measured for, split over `serverRounds` rounds of A-B-B-A. */
  serverSeconds: number;
  /**
   * Rounds of A-B-B-A in scenarios 5 and 8. This machine's speed drifts by ±20 % over seconds (the same
   * process, the same load); short phases taken in turn spread each drift over both contenders.
   */
  serverRounds: number;
  callbackLogins: number;
  /** Logins per server before `/callback` is measured: enough for V8 to have compiled both servers' hot code. */
  callbackWarmupLogins: number;
  /** Scenario 6 (autocannon against the emulator and the bare route): seconds per phase, code exchanges per phase, in `rounds` rounds. */
  apiSeconds: number;
  apiExchanges: number;
}

export function settingsFor(quick: boolean): Settings {
  const common = { quick, concurrencies: [1, 16, 256], poolSize: 10, burstCalls: 1_000 };
  const storm = { stormUsers: 10, stormCalls: 1_000 };
  if (quick) {
    return {
      ...common,
      ...storm,
      warmupMs: 50,
      measureMs: 150,
      rounds: 1,
      leakCalls: 2_000,
      leakMaxMs: 5_000,
      serverConnections: 8,
      serverWarmupSeconds: 0,
      serverSeconds: 0.3,
      serverRounds: 1,
      callbackLogins: 32,
      callbackWarmupLogins: 0,
      apiSeconds: 0.3,
      apiExchanges: 300,
    };
  }
  return {
    ...common,
    ...storm,
    warmupMs: 400,
    measureMs: 750,
    rounds: 2,
    leakCalls: 100_000,
    leakMaxMs: 40_000,
    serverConnections: 32,
    serverWarmupSeconds: 1,
    serverSeconds: 4,
    serverRounds: 3,
    callbackLogins: 1_200,
    callbackWarmupLogins: 600,
    apiSeconds: 0.7,
    apiExchanges: 7_000,
  };
}
