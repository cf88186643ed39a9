import type { EventEmitter } from "node:events";
import autocannon from "autocannon";
import type { Child } from "./child.js";
import { type LoadResult, percentile } from "./load.js";

/** One autocannon run against one server: what each request is and what every answer must be. */
export interface CannonLoad {
  connections: number;
  /** Path (and query) of the request number `index`. */
  path: (index: number) => string;
  headers?: (index: number) => Record<string, string>;
  /** A POST with this body for request `index`; GET without one. */
  body?: (index: number) => string;
  /** Seconds, or a fixed number of requests with `amount`. */
  duration?: number;
  amount?: number;
  /** Status class every answer must have: 2 for 200, 3 for a redirect. */
  expect: 2 | 3;
  /** Every answer's body must pass this too (WeChat answers errors with HTTP 200). */
  verifyBody?: (body: string) => boolean;
}

/**
 * One autocannon run; an answer with another status class, or a body that
 * fails `verifyBody`, counts as wrong, and a run with wrong answers is incorrect.
 * Latencies and the rate come from autocannon's per-response events, not its
 * summary: the summary leaves non-2xx latencies (302s) out, rounds to whole
 * milliseconds and stops only on its sampling tick.
 */
export function cannon(url: string, load: CannonLoad): Promise<{ result: LoadResult; wrong: number }> {
  let next = 0;
  const latencies: number[] = [];
  let wrong = 0;
  let lastAnswer = 0;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: load.connections,
        sampleInt: 100,
        ...(load.amount === undefined ? { duration: load.duration ?? 1 } : { amount: load.amount }),
        ...(load.verifyBody === undefined
          ? {}
          : { verifyBody: (body: unknown) => load.verifyBody?.(String(body)) === true }),
        requests: [
          {
            method: load.body === undefined ? "GET" : "POST",
            setupRequest: (request) => {
              const index = next++;
              return {
                ...request,
                path: load.path(index),
                ...(load.headers === undefined ? {} : { headers: load.headers(index) }),
                ...(load.body === undefined ? {} : { body: load.body(index) }),
              };
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        wrong += result.errors + result.mismatches;
        const seconds = (lastAnswer - started) / 1000;
        const sorted = Float64Array.from(latencies).sort();
        resolve({
          wrong,
          result: {
            calls: latencies.length,
            errors: wrong,
            seconds,
            callsPerSec: latencies.length / seconds,
            p50Ms: percentile(sorted, 0.5),
            p99Ms: percentile(sorted, 0.99),
            cpuUsPerCall: 0,
          },
        });
      },
    );
    // autocannon passes (client, status, bytes, responseTime), as its README says; @types/autocannon omits the client.
    (instance as unknown as EventEmitter).on(
      "response",
      (_client, status: number, _bytes, responseTime: number) => {
        lastAnswer = performance.now();
        latencies.push(responseTime);
        if (Math.floor(status / 100) !== load.expect) wrong += 1;
      },
    );
  });
}

/**
 * One autocannon run against a server in a child process, with the CPU that
 * process spent on it per answer: the figure a loaded machine moves least.
 */
export async function cannonOn(
  server: Child<unknown>,
  url: string,
  load: CannonLoad,
): Promise<{ result: LoadResult; wrong: number }> {
  const before = await server.cpuUs();
  const { result, wrong } = await cannon(url, load);
  const spent = (await server.cpuUs()) - before;
  return { wrong, result: { ...result, cpuUsPerCall: result.calls === 0 ? 0 : spent / result.calls } };
}
