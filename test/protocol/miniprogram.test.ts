import { describe, expect, it } from "vitest";
import { decodeResponse } from "../../src/protocol/decode.js";
import {
  assertScene,
  decodeWxaCode,
  describeErrcode,
  InvalidArgumentError,
  WeChatApiError,
  WeChatHttpError,
  WeChatProtocolError,
  wxaCodeRequestBody,
} from "../../src/protocol/index.js";

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
const bytes = (text: string) => new TextEncoder().encode(text);

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

describe("scene rule", () => {
  it("accepts up to 32 characters of WeChat's set and nothing else", () => {
    for (const scene of ["a", "la_Z3k9", "x".repeat(32), "id=1&k=2", "!#$&'()*+,/:;=?@-._~"]) {
      expect(() => assertScene(scene)).not.toThrow();
    }
    for (const scene of ["", "x".repeat(33), "100%", "空", "a b", 42]) {
      expect(caught(() => assertScene(scene))).toBeInstanceOf(InvalidArgumentError);
    }
  });
});

describe("wxaCodeRequestBody", () => {
  it("maps camelCase options to WeChat's fields", () => {
    expect(
      wxaCodeRequestBody({
        scene: "abc",
        page: "pages/login/confirm",
        checkPath: false,
        envVersion: "trial",
        width: 280,
        autoColor: false,
        lineColor: { r: 0, g: 128, b: 255 },
        isHyaline: true,
      }),
    ).toEqual({
      scene: "abc",
      page: "pages/login/confirm",
      check_path: false,
      env_version: "trial",
      width: 280,
      auto_color: false,
      line_color: { r: 0, g: 128, b: 255 },
      is_hyaline: true,
    });
  });

  it("names the bad option before any I/O", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ scene: "a", page: "/pages/index" }, "page"],
      [{ scene: "a", page: "pages/index?x=1" }, "page"],
      [{ scene: "a", width: 1281 }, "width"],
      [{ scene: "a", envVersion: "beta" }, "envVersion"],
      [{ scene: "a", lineColor: { r: 256, g: 0, b: 0 } }, "lineColor"],
      [{ scene: "a", checkPath: "yes" }, "checkPath"],
      [{ scene: "%" }, "scene"],
    ];
    for (const [options, argument] of cases) {
      expect(caught(() => wxaCodeRequestBody(options as never))).toMatchObject({ argument });
    }
  });
});

describe("decodeWxaCode", () => {
  it("returns the image by its magic bytes, whatever the status", () => {
    expect(decodeWxaCode(200, PNG)).toEqual({ contentType: "image/png", image: PNG });
    expect(decodeWxaCode(200, JPEG).contentType).toBe("image/jpeg");
  });

  it("turns a JSON body into the errcode's error even on a non-200 status", () => {
    const error = caught(() =>
      decodeWxaCode(
        200,
        bytes('{"errcode":40169,"errmsg":"invalid length for scene, or the data is not json string rid: 1"}'),
      ),
    );
    expect(error).toBeInstanceOf(WeChatApiError);
    expect(error).toMatchObject({ errcode: 40169, reason: "invalid_scene" });
    expect(
      caught(() => decodeWxaCode(500, bytes('{"errcode":41030,"errmsg":"invalid page"}'))),
    ).toMatchObject({
      errcode: 41030,
      reason: "invalid_page",
    });
  });

  it("refuses JSON without an errcode and bodies that are neither image nor JSON", () => {
    expect(caught(() => decodeWxaCode(200, bytes('{"errcode":0,"errmsg":"ok"}')))).toBeInstanceOf(
      WeChatProtocolError,
    );
    const html = caught(() => decodeWxaCode(502, bytes("<html>bad gateway</html>")));
    expect(html).toBeInstanceOf(WeChatHttpError);
    expect(html).toMatchObject({ status: 502 });
    expect(caught(() => decodeWxaCode(200, new Uint8Array()))).toBeInstanceOf(WeChatHttpError);
  });
});

describe("mini-program JSON answers", () => {
  it("decodes a phone number whether countryCode is a number or a string", () => {
    const body = (countryCode: unknown) =>
      JSON.stringify({
        errcode: 0,
        errmsg: "ok",
        phone_info: {
          phoneNumber: "13123456789",
          purePhoneNumber: "13123456789",
          countryCode,
          watermark: { timestamp: 1637744274, appid: "wx0123456789abcdef" },
        },
      });
    const expected = {
      phoneNumber: "13123456789",
      purePhoneNumber: "13123456789",
      countryCode: "86",
      watermark: { timestamp: 1637744274, appid: "wx0123456789abcdef" },
    };
    expect(decodeResponse("wxa/business/getuserphonenumber", 200, body(86))).toEqual(expected);
    expect(decodeResponse("wxa/business/getuserphonenumber", 200, body("86"))).toEqual(expected);
  });

  it("says a login code is not the phone-number code on 40029 of getuserphonenumber only", () => {
    const error = caught(() =>
      decodeResponse("wxa/business/getuserphonenumber", 200, '{"errcode":40029,"errmsg":"invalid code"}'),
    ) as WeChatApiError;
    expect(error.hint).toMatch(/not the wx\.login code/);
    expect(describeErrcode(40029).hint).not.toMatch(/wx\.login/);
  });

  it("accepts checksession and reset answers, and 87009 as a replaced session_key", () => {
    expect(decodeResponse("wxa/checksession", 200, '{"errcode":0,"errmsg":"ok"}')).toBe(true);
    expect(
      decodeResponse(
        "wxa/resetusersessionkey",
        200,
        '{"errcode":0,"errmsg":"ok","openid":"o1","session_key":"k"}',
      ),
    ).toEqual({ openid: "o1", sessionKey: "k" });
    expect(
      caught(() => decodeResponse("wxa/checksession", 200, '{"errcode":87009,"errmsg":"invalid signature"}')),
    ).toMatchObject({ reason: "session_key_invalid", action: "restart_login" });
  });

  it("reads jscode2session success with or without errcode 0, and 40163 as a used code (spec B.1)", () => {
    const success = { openid: "o1", session_key: "tiihtNczf5v6AKRyjwEUhQ==" };
    expect(decodeResponse("sns/jscode2session", 200, JSON.stringify(success))).toMatchObject({
      openid: "o1",
    });
    expect(
      decodeResponse("sns/jscode2session", 200, JSON.stringify({ ...success, errcode: 0 })),
    ).toMatchObject({
      openid: "o1",
    });
    expect(
      caught(() => decodeResponse("sns/jscode2session", 200, '{"errcode":40163,"errmsg":"code been used"}')),
    ).toMatchObject({ reason: "code_used" });
  });
});
