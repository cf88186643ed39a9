import { Buffer } from "node:buffer";
import { EventEmitter } from "node:events";
import { type Dispatcher, Pool } from "undici";
import { type Endpoint, WeChatError, WeChatNetworkError, WeChatTimeoutError } from "../protocol/index.js";
import { formatQuery } from "../protocol/query.js";
import type { ClientConfig } from "./config.js";
import type { Deadline } from "./deadline.js";
import { bodyTooLarge, Exchange, type HttpResponse, type MapError } from "./exchange.js";

/** One HTTP exchange with WeChat, before its body is decoded. */
export interface HttpRequest {
  endpoint: Endpoint;
  /** Path under the API base, e.g. `/sns/userinfo`. */
  path: string;
  /** Query parameters in order; values are percent-encoded here. */
  query: ReadonlyArray<readonly [string, string]>;
  method: "GET" | "POST";
  /** JSON body of a POST. */
  json?: unknown;
  /** Keep the answer's bytes (an image) instead of reading it as text. */
  binary?: boolean;
}

/**
 * Connection counters of one origin's pool, as undici reports them.
 * @example
 * const stats: PoolStats | undefined = client.stats()["https://api.weixin.qq.com"];
 */
export interface PoolStats {
  connected: number;
  free: number;
  pending: number;
  queued: number;
  running: number;
  size: number;
}

const CONNECT_FAILURES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/**
 * What undici's `request()` watches to cancel a request to a user-supplied
 * dispatcher. Its `signal` option takes an EventEmitter as well as an AbortSignal
 * (Dispatcher.request docs), at a fraction of an AbortController's cost.
 */
class Cancellation extends EventEmitter {
  aborted = false;
  reason: unknown;

  stop(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit("abort");
  }
}

const REQUEST_HEADERS = { accept: "application/json" } as const;
const JSON_REQUEST_HEADERS = { accept: "application/json", "content-type": "application/json" } as const;

/**
 * Sends requests over one keep-alive undici Pool per origin (or the user's
 * Dispatcher), with bounded connections, per-phase timeouts, a total
 * deadline and a body-size cap, and maps every failure to the protocol's typed errors.
 */
export class HttpTransport {
  readonly #config: ClientConfig;
  readonly #pools = new Map<string, Pool>();
  // URL getters build a new string on every read: a fresh key to hash in the pool map, per call.
  readonly #origin: string;
  readonly #basePath: string;
  #closed = false;

  constructor(config: ClientConfig) {
    this.#config = config;
    this.#origin = config.apiBase.origin;
    this.#basePath = config.apiBase.pathname.replace(/\/+$/, "");
  }

  /** One attempt; it rejects with a typed error (or the caller's abort reason), never a raw one. */
  send(request: HttpRequest, deadline: Deadline): Promise<HttpResponse> {
    const { endpoint } = request;
    const stopped = deadline.abortError(endpoint);
    if (stopped !== undefined) return Promise.reject(stopped);
    const search = formatQuery(request.query);
    const path = `${this.#basePath}${request.path}${search === "" ? "" : `?${search}`}`;
    const options: Dispatcher.DispatchOptions = {
      origin: this.#origin,
      path,
      method: request.method,
      headers: request.json === undefined ? REQUEST_HEADERS : JSON_REQUEST_HEADERS,
      body: request.json === undefined ? undefined : JSON.stringify(request.json),
    };
    const own = this.#config.dispatcher;
    if (own) return this.#request(own, endpoint, options, deadline, request.binary ?? false);
    if (this.#closed) return Promise.reject(new WeChatNetworkError(endpoint, "CLIENT_CLOSED", false));
    const pool = this.#pool(this.#origin);
    return new Promise((resolve, reject) => {
      pool.dispatch(
        options,
        new Exchange(
          endpoint,
          this.#config.maxBodyBytes,
          deadline,
          this.#mapError,
          resolve,
          reject,
          request.binary,
        ),
      );
    });
  }

  /** A user-supplied dispatcher is driven through its public `request()`, whatever it is built on. */
  async #request(
    dispatcher: Dispatcher,
    endpoint: Endpoint,
    options: Dispatcher.DispatchOptions,
    deadline: Deadline,
    binary: boolean,
  ): Promise<HttpResponse> {
    const signal = new Cancellation();
    deadline.watch(signal);
    try {
      const response = await dispatcher.request({
        ...options,
        signal,
        headersTimeout: this.#config.timeouts.headersMs,
        bodyTimeout: this.#config.timeouts.bodyMs,
      });
      const body = await this.#readBody(endpoint, response);
      const status = response.statusCode;
      if (binary) return { status, bodyText: "", bodyBytes: body };
      const text = body.toString("utf8");
      // The byte-order mark some answers start with is not part of the JSON (as undici's text() drops it).
      return { status, bodyText: text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, bodyBytes: undefined };
    } catch (error) {
      throw this.#mapError(endpoint, error, deadline);
    } finally {
      deadline.unwatch(signal);
    }
  }

  /** Reads at most `maxBodyBytes`; a larger body is dropped unread, not buffered. */
  async #readBody(endpoint: Endpoint, response: Dispatcher.ResponseData): Promise<Buffer> {
    const limit = this.#config.maxBodyBytes;
    const tooLarge = () => {
      response.body.destroy();
      return bodyTooLarge(endpoint, response.statusCode, limit);
    };
    const declared = Number(response.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) throw tooLarge();
    // A declared length is enforced by undici (a longer body is an error): read it whole, without a per-chunk loop.
    if (Number.isFinite(declared)) return Buffer.from(await response.body.arrayBuffer());
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      size += buffer.length;
      if (size > limit) throw tooLarge();
      chunks.push(buffer);
    }
    return Buffer.concat(chunks);
  }

  /**
   * Builds a fresh error from an undici/system error's code only: the raw
   * error is never kept as `cause`, since it may quote the request (and its query, which holds secrets).
   */
  readonly #mapError: MapError = (endpoint, error, deadline) => {
    if (error instanceof WeChatError) return error;
    const stopped = deadline.abortError(endpoint);
    if (stopped !== undefined) return stopped;
    const { code, syscall } = (typeof error === "object" && error !== null ? error : {}) as {
      code?: unknown;
      syscall?: unknown;
    };
    const timeouts = this.#config.timeouts;
    switch (code) {
      case "UND_ERR_CONNECT_TIMEOUT":
        return new WeChatTimeoutError(endpoint, timeouts.connectMs, "connect");
      case "UND_ERR_HEADERS_TIMEOUT":
        return new WeChatTimeoutError(endpoint, timeouts.headersMs, "headers");
      case "UND_ERR_BODY_TIMEOUT":
        return new WeChatTimeoutError(endpoint, timeouts.bodyMs, "body");
      case "UND_ERR_ABORTED":
        return new WeChatTimeoutError(endpoint, deadline.totalMs, "total");
    }
    const networkCode = typeof code === "string" && /^[A-Z0-9_]{1,64}$/.test(code) ? code : "UNKNOWN";
    // Only a failure before the connection existed proves that no byte reached WeChat.
    const requestSent = !(
      CONNECT_FAILURES.has(networkCode) ||
      syscall === "connect" ||
      syscall === "getaddrinfo"
    );
    return new WeChatNetworkError(endpoint, networkCode, requestSent);
  };

  #pool(origin: string): Pool {
    let pool = this.#pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, {
        connections: this.#config.connections,
        connect: { timeout: this.#config.timeouts.connectMs },
        headersTimeout: this.#config.timeouts.headersMs,
        bodyTimeout: this.#config.timeouts.bodyMs,
      });
      this.#pools.set(origin, pool);
    }
    return pool;
  }

  /** Counters per origin (empty with a user-supplied dispatcher). */
  stats(): Record<string, PoolStats> {
    const result: Record<string, PoolStats> = {};
    for (const [origin, pool] of this.#pools) {
      const { connected, free, pending, queued, running, size } = pool.stats;
      result[origin] = { connected, free, pending, queued, running, size };
    }
    return result;
  }

  /** Closes the pools this transport created, letting in-flight requests finish. */
  async close(): Promise<void> {
    this.#closed = true;
    const pools = [...this.#pools.values()];
    this.#pools.clear();
    await Promise.all(pools.map((pool) => pool.close()));
  }
}
