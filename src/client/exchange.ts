import { Buffer } from "node:buffer";
import type { Dispatcher } from "undici";
import { type Endpoint, WeChatHttpError } from "../protocol/index.js";
import type { Deadline, Waiting } from "./deadline.js";

/** What one exchange with WeChat produced, before its body is decoded. */
export interface HttpResponse {
  status: number;
  /** The body as UTF-8 text; empty for a `binary` request. */
  bodyText: string;
  /** The body's bytes, for a `binary` request only (an image). */
  bodyBytes: Uint8Array | undefined;
}

/** The error of a body over the cap; the same whichever way the body was read. */
export function bodyTooLarge(endpoint: Endpoint, status: number, limit: number): WeChatHttpError {
  return new WeChatHttpError(endpoint, status, `a body larger than ${limit} bytes`);
}

/** UTF-8 text of a body, without the byte-order mark undici's `body.text()` drops too. */
function decodeText(chunks: readonly Buffer[], size: number): string {
  const text =
    chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks, size).toString("utf8");
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Turns whatever failed an attempt into the error the caller sees. */
export type MapError = (endpoint: Endpoint, error: unknown, deadline: Deadline) => unknown;

/**
 * One request on one of our own pools, as an undici dispatch handler: the
 * body is collected straight from the socket's chunks up to `limit` bytes
 * (a larger one is dropped unread), and the deadline aborts the request
 * wherever it is, queued in the pool included. `Dispatcher.request()` would
 * add an async resource, a Readable stream and a second promise per call, and
 * an abort listener on a signal: together more than the client's own work
 * (bench/README.md). It resolves with itself, so a call allocates no more than it must.
 */
export class Exchange implements Dispatcher.DispatchHandler, Waiting, HttpResponse {
  status = 0;
  bodyText = "";
  bodyBytes: Uint8Array | undefined;
  readonly #endpoint: Endpoint;
  readonly #limit: number;
  readonly #deadline: Deadline;
  readonly #mapError: MapError;
  readonly #binary: boolean;
  readonly #resolve: (response: HttpResponse) => void;
  readonly #reject: (error: unknown) => void;
  #controller: Dispatcher.DispatchController | undefined;
  #stopReason: unknown;
  #stoppedEarly = false;
  #settled = false;
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(
    endpoint: Endpoint,
    limit: number,
    deadline: Deadline,
    mapError: MapError,
    resolve: (response: HttpResponse) => void,
    reject: (error: unknown) => void,
    binary = false,
  ) {
    this.#binary = binary;
    this.#endpoint = endpoint;
    this.#limit = limit;
    this.#deadline = deadline;
    this.#mapError = mapError;
    this.#resolve = resolve;
    this.#reject = reject;
    deadline.watch(this);
  }

  stop(reason: unknown): void {
    if (this.#controller) {
      this.#controller.abort(reason as Error);
      return;
    }
    // Still queued behind other requests: the caller hears now, the request is aborted once it starts.
    this.#stoppedEarly = true;
    this.#stopReason = reason;
    this.#fail(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#stoppedEarly) controller.abort(this.#stopReason as Error);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    // 1xx answers are followed by the real one.
    if (statusCode < 200) return;
    this.status = statusCode;
    const declared = Number(headers["content-length"]);
    if (Number.isFinite(declared) && declared > this.#limit) {
      controller.abort(bodyTooLarge(this.#endpoint, statusCode, this.#limit));
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#size > this.#limit) {
      this.#chunks = [];
      controller.abort(bodyTooLarge(this.#endpoint, this.status, this.#limit));
      return;
    }
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#deadline.unwatch(this);
    if (this.#binary) this.bodyBytes = Buffer.concat(this.#chunks, this.#size);
    else this.bodyText = decodeText(this.#chunks, this.#size);
    this.#chunks = [];
    this.#resolve(this);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#fail(error);
  }

  #fail(error: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#chunks = [];
    this.#deadline.unwatch(this);
    this.#reject(this.#mapError(this.#endpoint, error, this.#deadline));
  }
}
