import { Buffer } from "node:buffer";
import { type Dispatcher, Pool } from "undici";
import {
  type Endpoint,
  WeChatError,
  WeChatHttpError,
  WeChatNetworkError,
  WeChatTimeoutError,
} from "../protocol/index.js";
import type { ClientConfig } from "./config.js";
import type { Deadline } from "./deadline.js";

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
}

export interface HttpResponse {
  status: number;
  bodyText: string;
}

export interface HttpBytesResponse {
  status: number;
  body: Uint8Array;
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
 * Sends requests over one keep-alive undici Pool per origin (or the user's
 * Dispatcher), with bounded connections, per-phase timeouts, a total
 * deadline and a body-size cap, and maps every failure to the protocol's typed errors.
 */
export class HttpTransport {
  readonly #config: ClientConfig;
  readonly #pools = new Map<string, Pool>();
  #closed = false;

  constructor(config: ClientConfig) {
    this.#config = config;
  }

  async send(request: HttpRequest, deadline: Deadline): Promise<HttpResponse> {
    return this.#exchange(request, deadline, "application/json", async (response) => ({
      status: response.statusCode,
      bodyText: await this.#readBody(request.endpoint, response),
    }));
  }

  /**
   * Like {@link send}, for the endpoints that answer raw bytes (a wxacode
   * image) on success; the same body cap applies.
   */
  async sendForBytes(request: HttpRequest, deadline: Deadline): Promise<HttpBytesResponse> {
    return this.#exchange(request, deadline, "image/*, application/json", async (response) => ({
      status: response.statusCode,
      body: await this.#readBytes(request.endpoint, response),
    }));
  }

  async #exchange<T>(
    request: HttpRequest,
    deadline: Deadline,
    accept: string,
    read: (response: Dispatcher.ResponseData) => Promise<T>,
  ): Promise<T> {
    const stopped = deadline.abortError(request.endpoint);
    if (stopped !== undefined) throw stopped;
    const base = this.#config.apiBase;
    const search = request.query.map(([key, value]) => `${key}=${encodeURIComponent(value)}`).join("&");
    const path = `${base.pathname.replace(/\/+$/, "")}${request.path}${search ? `?${search}` : ""}`;
    const headers: Record<string, string> = { accept };
    let body: string | undefined;
    if (request.json !== undefined) {
      body = JSON.stringify(request.json);
      headers["content-type"] = "application/json";
    }
    try {
      const response = await this.#dispatcher(request.endpoint, base.origin).request({
        origin: base.origin,
        path,
        method: request.method,
        headers,
        body,
        signal: deadline.signal,
        headersTimeout: this.#config.timeouts.headersMs,
        bodyTimeout: this.#config.timeouts.bodyMs,
      });
      return await read(response);
    } catch (error) {
      throw this.#mapError(request.endpoint, error, deadline);
    }
  }

  /** Reads at most `maxBodyBytes`; a larger body is dropped unread, not buffered. */
  async #readBody(endpoint: Endpoint, response: Dispatcher.ResponseData): Promise<string> {
    // A declared length is enforced by undici (a longer body is an error): read it whole, without a per-chunk loop.
    if (this.#declaredLength(endpoint, response) !== undefined) return response.body.text();
    return (await this.#readCapped(endpoint, response)).toString("utf8");
  }

  async #readBytes(endpoint: Endpoint, response: Dispatcher.ResponseData): Promise<Uint8Array> {
    if (this.#declaredLength(endpoint, response) !== undefined) {
      return new Uint8Array(await response.body.arrayBuffer());
    }
    return this.#readCapped(endpoint, response);
  }

  #tooLarge(endpoint: Endpoint, response: Dispatcher.ResponseData): WeChatHttpError {
    // Destroying a body nobody reads emits an AbortError; with no reader left it would surface as uncaught.
    response.body.on("error", () => {});
    response.body.destroy();
    return new WeChatHttpError(
      endpoint,
      response.statusCode,
      `a body larger than ${this.#config.maxBodyBytes} bytes`,
    );
  }

  /** The Content-Length, when there is one; throws when it is over the cap. */
  #declaredLength(endpoint: Endpoint, response: Dispatcher.ResponseData): number | undefined {
    const declared = Number(response.headers["content-length"]);
    if (!Number.isFinite(declared)) return undefined;
    if (declared > this.#config.maxBodyBytes) throw this.#tooLarge(endpoint, response);
    return declared;
  }

  async #readCapped(endpoint: Endpoint, response: Dispatcher.ResponseData): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of response.body) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      size += buffer.length;
      if (size > this.#config.maxBodyBytes) throw this.#tooLarge(endpoint, response);
      chunks.push(buffer);
    }
    return Buffer.concat(chunks);
  }

  /**
   * Builds a fresh error from an undici/system error's code only: the raw
   * error is never kept as `cause`, since it may quote the request (and its query, which holds secrets).
   */
  #mapError(endpoint: Endpoint, error: unknown, deadline: Deadline): unknown {
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
  }

  #dispatcher(endpoint: Endpoint, origin: string): Dispatcher {
    if (this.#config.dispatcher) return this.#config.dispatcher;
    if (this.#closed) throw new WeChatNetworkError(endpoint, "CLIENT_CLOSED", false);
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
