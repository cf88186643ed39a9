import { ConfigError, type Endpoint, type ResponseOf } from "../protocol/index.js";
import type { Call } from "./client.js";
import type { ClientConfig } from "./config.js";
import { Deadline } from "./deadline.js";
import type { HttpTransport } from "./http.js";
import { type RetryPolicy, withRetry } from "./retry.js";

/**
 * The request path of one WeChatClient, for the modules built on it (the
 * mini-program calls) without widening the client's public surface.
 */
export interface ClientRequests {
  readonly config: ClientConfig;
  readonly http: HttpTransport;
  /** The client's own JSON call: deadline, retry policy, decoding. */
  json<E extends Endpoint>(call: Call<E>): Promise<ResponseOf<E>>;
}

const registry = new WeakMap<object, ClientRequests>();

/** Called once by the WeChatClient constructor. */
export function exposeRequests(client: object, requests: ClientRequests): void {
  registry.set(client, requests);
}

/** The request path of `client`; a ConfigError when it is not a WeChatClient. */
export function requestsOf(client: unknown, field = "client"): ClientRequests {
  const requests = typeof client === "object" && client !== null ? registry.get(client) : undefined;
  if (!requests) throw new ConfigError(field, "must be a WeChatClient");
  return requests;
}

/** Runs `attempt` under the client's deadline and retry policy, as its JSON calls do. */
export async function withDeadline<T>(
  requests: ClientRequests,
  endpoint: Endpoint,
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  attempt: (deadline: Deadline) => Promise<T>,
): Promise<T> {
  const { config } = requests;
  const deadline = new Deadline(config.timeouts.totalMs, signal);
  try {
    return await withRetry(endpoint, policy, config.retry, deadline, () => attempt(deadline));
  } finally {
    deadline.dispose();
  }
}
