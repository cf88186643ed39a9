/** Throughput and latency of one contender over one measured phase. */
export interface LoadResult {
  calls: number;
  errors: number;
  seconds: number;
  callsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time of this process per call: the client's own cost, whoever the bottleneck is. */
  cpuUsPerCall: number;
  firstError?: string;
}

export interface LoadOptions {
  concurrency: number;
  warmupMs: number;
  measureMs: number;
}

interface Phase {
  latencies: number[];
  errors: number;
  firstError: string | undefined;
}

/**
 * Closed loop: `concurrency` callers each start the next call as soon as the
 * previous one settles, for a fixed time. A warm-up phase runs first so JIT,
 * pools and the emulator's caches are hot, and is thrown away.
 */
export async function closedLoop(call: () => Promise<unknown>, options: LoadOptions): Promise<LoadResult> {
  await phase(call, options.concurrency, options.warmupMs);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const measured = await phase(call, options.concurrency, options.measureMs);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const calls = measured.latencies.length;
  const sorted = Float64Array.from(measured.latencies).sort();
  return {
    calls,
    errors: measured.errors,
    seconds,
    callsPerSec: calls / seconds,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    cpuUsPerCall: calls === 0 ? 0 : (used.user + used.system) / calls,
    ...(measured.firstError === undefined ? {} : { firstError: measured.firstError }),
  };
}

/** Two measured phases of one contender as one: throughput over both, latencies and CPU averaged by calls. */
export function combine(a: LoadResult, b: LoadResult): LoadResult {
  const calls = a.calls + b.calls;
  const weighted = (pick: (result: LoadResult) => number) =>
    calls === 0 ? 0 : (pick(a) * a.calls + pick(b) * b.calls) / calls;
  const firstError = a.firstError ?? b.firstError;
  return {
    calls,
    errors: a.errors + b.errors,
    seconds: a.seconds + b.seconds,
    callsPerSec: calls / (a.seconds + b.seconds),
    p50Ms: weighted((result) => result.p50Ms),
    p99Ms: weighted((result) => result.p99Ms),
    cpuUsPerCall: weighted((result) => result.cpuUsPerCall),
    ...(firstError === undefined ? {} : { firstError }),
  };
}

/**
 * Measures A and B in `rounds` rounds of A-B-B-A and combines each one's phases:
 * whatever drifts during the run (JIT, a server's heap, other load on a shared
 * machine) hits both alike, and shorter rounds spread a burst of load over both.
 */
export async function abba(
  rounds: number,
  a: () => Promise<LoadResult>,
  b: () => Promise<LoadResult>,
): Promise<{ a: LoadResult; b: LoadResult }> {
  const as: LoadResult[] = [];
  const bs: LoadResult[] = [];
  for (let round = 0; round < rounds; round++) {
    as.push(await a());
    bs.push(await b());
    bs.push(await b());
    as.push(await a());
  }
  return { a: as.reduce(combine), b: bs.reduce(combine) };
}

async function phase(call: () => Promise<unknown>, concurrency: number, durationMs: number): Promise<Phase> {
  const result: Phase = { latencies: [], errors: 0, firstError: undefined };
  const deadline = performance.now() + durationMs;
  const caller = async () => {
    while (performance.now() < deadline) {
      const start = performance.now();
      try {
        await call();
        result.latencies.push(performance.now() - start);
      } catch (error) {
        result.errors += 1;
        result.firstError ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  return result;
}

/** Runs `count` calls (fewer if `maxMs` runs out first) with at most `concurrency` in flight. */
export async function runCount(
  call: () => Promise<unknown>,
  count: number,
  concurrency: number,
  maxMs = Number.POSITIVE_INFINITY,
) {
  let started = 0;
  let failed = 0;
  const deadline = performance.now() + maxMs;
  const caller = async () => {
    while (started < count && performance.now() < deadline) {
      started += 1;
      await call().catch(() => {
        failed += 1;
      });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, caller));
  return { failed, done: started };
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}
