import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { decodeResponse } from "../../src/protocol/decode.js";
import {
  describeErrcode,
  ERRCODES,
  WeChatApiError,
  WeChatHttpError,
  WeChatProtocolError,
} from "../../src/protocol/index.js";
import { responseSchemas } from "../../src/protocol/schemas.js";

// Recorded-style fixtures (spec §3, §7): shapes as WeChat sends them, rid suffixes included.
const fixtures = {
  token:
    '{"access_token":"ACCESS_TOKEN_1","expires_in":7200,"refresh_token":"REFRESH_TOKEN_1","openid":"o6_bmjrPTlm6_2sgVt7hMZOPfL2M","scope":"snsapi_login","unionid":"o6_bmasdasdsad6_2sgVt7hMZOPfL"}',
  tokenNoUnion:
    '{"access_token":"A","expires_in":7200,"refresh_token":"R","openid":"O","scope":"snsapi_base","unionid":""}',
  userinfo:
    '{"openid":"O","nickname":"小明🐳","sex":0,"province":"","city":"","country":"","headimgurl":"","privilege":[]}',
  invalidCode: '{"errcode":40029,"errmsg":"invalid code, rid: 6583f22d-35b1b023-4a6d02b6"}',
  hintsRid: '{"errcode":-1,"errmsg":"system error, hints: [ req_id: jGkksa0933ssz5 ]"}',
};

describe("decodeResponse", () => {
  it("validates and camel-cases a token response", () => {
    expect(decodeResponse("sns/oauth2/access_token", 200, fixtures.token)).toEqual({
      accessToken: "ACCESS_TOKEN_1",
      expiresIn: 7200,
      refreshToken: "REFRESH_TOKEN_1",
      openid: "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
      scope: "snsapi_login",
      unionid: "o6_bmasdasdsad6_2sgVt7hMZOPfL",
      isSnapshotUser: false,
    });
  });

  it("treats an empty unionid as absent", () => {
    expect(decodeResponse("sns/oauth2/access_token", 200, fixtures.tokenNoUnion).unionid).toBeUndefined();
  });

  it("keeps emoji nicknames and tolerates WeChat's blanked profile fields", () => {
    const info = decodeResponse("sns/userinfo", 200, fixtures.userinfo);
    expect(info.nickname).toBe("小明🐳");
    expect(info.headimgurl).toBe("");
    expect(info.unionid).toBeUndefined();
  });

  it("turns an errcode body into WeChatApiError with reason, action and rid", () => {
    const error = catchError(() => decodeResponse("sns/oauth2/access_token", 200, fixtures.invalidCode));
    expect(error).toBeInstanceOf(WeChatApiError);
    const api = error as WeChatApiError;
    expect([api.errcode, api.reason, api.action, api.rid]).toEqual([
      40029,
      "invalid_code",
      "restart_login",
      "6583f22d-35b1b023-4a6d02b6",
    ]);
    expect(api.message).toContain("rid 6583f22d-35b1b023-4a6d02b6");
  });

  it("reads the req_id form of the rid", () => {
    const error = catchError(() => decodeResponse("sns/auth", 200, fixtures.hintsRid)) as WeChatApiError;
    expect(error.rid).toBe("jGkksa0933ssz5");
    expect(error.reason).toBe("system_busy");
  });

  it("maps every errcode of the spec table to its named reason", () => {
    for (const [errcode, info] of ERRCODES) {
      const error = catchError(() =>
        decodeResponse("sns/userinfo", 200, JSON.stringify({ errcode, errmsg: "x" })),
      ) as WeChatApiError;
      expect(error.errcode).toBe(errcode);
      expect(error.reason).toBe(info.reason);
      expect(error.reason).not.toBe("unknown");
    }
    expect(describeErrcode(99999).reason).toBe("unknown");
  });

  it("keeps an unknown errcode with WeChat's errmsg", () => {
    const error = catchError(() =>
      decodeResponse("sns/auth", 200, '{"errcode":61451,"errmsg":"invalid parameter"}'),
    ) as WeChatApiError;
    expect([error.errcode, error.reason, error.errmsg]).toEqual([61451, "unknown", "invalid parameter"]);
  });

  it("redacts sent secrets that WeChat echoes in errmsg", () => {
    const error = catchError(() =>
      decodeResponse("sns/oauth2/access_token", 200, '{"errcode":40029,"errmsg":"invalid code CODE1234"}', [
        "CODE1234",
      ]),
    );
    expect(inspect(error)).not.toContain("CODE1234");
  });

  it.each([
    ["HTML page", 200, "<html><body>502 Bad Gateway</body></html>", WeChatHttpError],
    ["garbage", 200, '{"access_tok', WeChatHttpError],
    ["empty body", 200, "", WeChatHttpError],
    ["non-200", 502, '{"errcode":-1}', WeChatHttpError],
    ["array", 200, "[]", WeChatProtocolError],
    ["empty object", 200, "{}", WeChatProtocolError],
    ["string errcode garbage", 200, '{"errcode":"boom"}', WeChatProtocolError],
  ])("gives a typed error for %s", (_name, status, body, type) => {
    expect(() => decodeResponse("sns/oauth2/access_token", status, body)).toThrow(type);
  });

  // decodeResponse parses with z.compile's clone of each schema: it must accept, build and refuse exactly as the declared one.
  it.each([
    [
      "the full profile, unknown keys stripped",
      '{"openid":"O","nickname":"N","sex":1,"province":"P","city":"C","country":"CN","headimgurl":"h","privilege":["p"],"unionid":"U","extra":1}',
    ],
    ["the bare minimum", '{"openid":"O","nickname":"N"}'],
    ["an empty unionid and privilege", '{"openid":"O","nickname":"N","unionid":"","privilege":[]}'],
    ["a fractional sex", '{"openid":"O","nickname":"N","sex":1.5}'],
    ["a number in privilege", '{"openid":"O","nickname":"N","privilege":["a",2]}'],
    ["an empty openid and a null city", '{"openid":"","nickname":"N","city":null}'],
  ])("decodes a profile as the declared schema does: %s", (_name, body) => {
    const declared = responseSchemas["sns/userinfo"].safeParse(JSON.parse(body));
    const decoded = (() => {
      try {
        return { success: true, data: decodeResponse("sns/userinfo", 200, body) };
      } catch (error) {
        return { success: false, issues: (error as WeChatProtocolError).issues };
      }
    })();
    if (declared.success) expect(decoded).toEqual({ success: true, data: declared.data });
    else {
      expect(decoded).toEqual({
        success: false,
        issues: declared.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.code}`),
      });
    }
  });

  it("names missing fields without quoting received values", () => {
    const error = catchError(() =>
      decodeResponse(
        "sns/oauth2/access_token",
        200,
        '{"access_token":"SECRET_TOKEN_VALUE","expires_in":"soon"}',
      ),
    ) as WeChatProtocolError;
    expect(error.issues.join(" ")).toContain("expires_in");
    expect(error.issues.join(" ")).toContain("refresh_token");
    expect(inspect(error)).not.toContain("SECRET_TOKEN_VALUE");
  });
});

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}
