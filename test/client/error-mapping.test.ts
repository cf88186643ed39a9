import type { Dispatcher } from "undici";
import { describe, expect, it } from "vitest";
import {
  WeChatClient,
  type WeChatClientOptions,
  WeChatNetworkError,
  WeChatTimeoutError,
} from "../../src/client/index.js";
import { APPID, caught, SECRET, sensitive } from "./support.js";

const CODE = sensitive("MAPPINGCODE01");
const ACCESS = sensitive("MAPPING_ACCESS_TOKEN");

/**
 * A dispatcher that fails every request with a raw error shaped like undici's
 * or the OS's, its message quoting the full URL (secret and code included), as some errors do.
 */
function failing(code: string, syscall?: string) {
  const dispatcher = {
    calls: 0,
    async request(options: Dispatcher.RequestOptions): Promise<never> {
      dispatcher.calls++;
      const url = `http://api.example.test${options.path}`;
      throw Object.assign(new Error(`${code} while requesting ${url}`), { code, syscall, url });
    },
  };
  return dispatcher;
}

function clientWith(dispatcher: ReturnType<typeof failing>, options: Partial<WeChatClientOptions> = {}) {
  return new WeChatClient({
    appid: APPID,
    secret: SECRET,
    dispatcher: dispatcher as unknown as Dispatcher,
    retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
    ...options,
  });
}

describe("mapping raw network errors", () => {
  it.each([
    ["UND_ERR_CONNECT_TIMEOUT", undefined, "connect"],
    ["UND_ERR_HEADERS_TIMEOUT", undefined, "headers"],
    ["UND_ERR_BODY_TIMEOUT", undefined, "body"],
  ] as const)("%s becomes WeChatTimeoutError (phase %s)", async (code, syscall, phase) => {
    const error = await caught(clientWith(failing(code, syscall)).checkToken(ACCESS, "o1"));
    expect(error).toBeInstanceOf(WeChatTimeoutError);
    expect((error as WeChatTimeoutError).phase).toBe(phase);
  });

  it.each([
    ["ECONNREFUSED", "connect", false],
    ["ENOTFOUND", "getaddrinfo", false],
    ["EHOSTUNREACH", "connect", false],
    ["ECONNRESET", "read", true],
    ["UND_ERR_SOCKET", undefined, true],
    ["EPIPE", "write", true],
  ] as const)("%s becomes WeChatNetworkError with requestSent %s", async (code, syscall, sent) => {
    const error = await caught(clientWith(failing(code, syscall)).getUserInfo(ACCESS, "o1"));
    expect(error).toBeInstanceOf(WeChatNetworkError);
    expect(error).toMatchObject({ networkCode: code, requestSent: sent });
    expect((error as Error).cause).toBeUndefined();
  });

  it("keeps nothing of an unrecognised error but a placeholder code", async () => {
    const error = await caught(clientWith(failing("weird code with spaces")).checkToken(ACCESS, "o1"));
    expect(error).toMatchObject({ networkCode: "UNKNOWN", requestSent: true });
  });

  it.each([
    ["ECONNREFUSED", "connect", 3],
    ["UND_ERR_CONNECT_TIMEOUT", undefined, 3],
    ["ECONNRESET", "read", 1],
    ["UND_ERR_SOCKET", undefined, 1],
  ] as const)("a code exchange failing with %s is tried %i time(s)", async (code, syscall, tries) => {
    const dispatcher = failing(code, syscall);
    await caught(clientWith(dispatcher).exchangeCode(CODE));
    expect(dispatcher.calls).toBe(tries);
  });

  it("idempotent calls retry any network error", async () => {
    const dispatcher = failing("ECONNRESET", "read");
    await caught(clientWith(dispatcher).checkToken(ACCESS, "o1"));
    expect(dispatcher.calls).toBe(3);
  });
});
