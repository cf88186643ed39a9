import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { expect } from "vitest";

/** A secret that looks like a real AppSecret (32 hex characters). */
export const SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
export const APPID = "wx0123456789abcdef";
/** Scheduling slack allowed past a deadline on a loaded CI machine; far below the faults' own delays. */
export const SLACK_MS = 1_000;

/**
 * Every value that must never appear in an error: the secret plus each code and
 * token a test handles. {@link caught} scans each error against all of them.
 */
export const sensitiveValues = new Set<string>([SECRET]);

/** Remembers values (codes, tokens) that no error message or inspection may contain. */
export function sensitive<T extends string | undefined>(value: T): T {
  if (value && value.length >= 6) sensitiveValues.add(value);
  return value;
}

/** Asserts that no sensitive value leaks through an error's message, inspection or JSON. */
export function expectNoSecrets(error: unknown): void {
  const texts = [inspect(error, { depth: 10 }), String(error), JSON.stringify(error) ?? ""];
  if (error instanceof Error) texts.push(error.message, error.stack ?? "");
  for (const text of texts) {
    for (const value of sensitiveValues) expect(text).not.toContain(value);
  }
}

/** Awaits a promise that must reject; returns the error after the secrets scan. */
export async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    expectNoSecrets(error);
    return error;
  }
  throw new Error("expected a rejection, got a value");
}

/** Synchronous twin of {@link caught}. */
export function caughtSync(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    expectNoSecrets(error);
    return error;
  }
  throw new Error("expected a throw");
}

export interface LocalServer {
  url: string;
  /** Requests received, by path. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** A tiny loopback HTTP server for the cases the emulator does not produce (huge bodies, mid-body close). */
export async function localServer(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
): Promise<LocalServer> {
  const hits = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
