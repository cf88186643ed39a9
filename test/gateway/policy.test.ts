import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { LoginSession } from "../../src/flow/index.js";
import {
  classify,
  isIdentityHeader,
  isPublic,
  judge,
  normalisedPath,
  parsePublicRoute,
  parseRoster,
} from "../../src/gateway/index.js";

describe("classify (gateway spec §5.1)", () => {
  it.each([
    ["GET", { "sec-fetch-mode": "navigate" }, "navigation"],
    ["POST", { "sec-fetch-mode": "navigate" }, "navigation"],
    ["GET", { "sec-fetch-mode": "cors", accept: "text/html" }, "api"],
    ["GET", { "sec-fetch-mode": "no-cors" }, "api"],
    ["GET", { "sec-fetch-mode": "websocket" }, "api"],
    ["GET", { accept: "text/html,application/xhtml+xml" }, "navigation"],
    ["HEAD", { accept: "text/html" }, "navigation"],
    ["POST", { accept: "text/html" }, "api"],
    ["GET", { accept: "application/json" }, "api"],
    ["GET", { accept: "*/*" }, "api"],
    ["GET", { accept: "text/html", "x-requested-with": "XMLHttpRequest" }, "api"],
    ["GET", {}, "api"],
  ] as const)("%s %j is %s", (method, headers, kind) => {
    expect(classify(method, new Headers(headers))).toBe(kind);
    // The server hands the auth endpoints node's own record: the same answer from it.
    expect(classify(method, { ...headers })).toBe(kind);
  });
});

describe("identity header names", () => {
  it.each([
    "X-Auth-Request-User",
    "x-auth-request-user",
    "X_AUTH_REQUEST_USER",
    "x_auth-request_user",
    "X-WeChat-UnionID",
    "x_wechat_openid",
    "X-Forwarded-User",
    "x_forwarded_email",
    "X-Forwarded-Groups",
  ])("%s is the gateway's", (name) => expect(isIdentityHeader(name)).toBe(true));

  it.each(["X-Forwarded-For", "X-Forwarded-Proto", "Cookie", "X-Auth-Request-Userx", "Authorization"])(
    "%s is not",
    (name) => expect(isIdentityHeader(name)).toBe(false),
  );
});

describe("public routes: the normalised path only", () => {
  const routes = [parsePublicRoute("GET:/healthz"), parsePublicRoute("/static/")];

  it.each([
    ["GET", "/healthz", true],
    ["HEAD", "/healthz", true],
    ["GET", "/healthz/live", true],
    ["POST", "/healthz", false],
    ["GET", "/healthzx", false],
    ["GET", "/healthz/../admin", false],
    ["GET", "/healthz/%2e%2e/admin", false],
    ["GET", "/healthz%2f..%2fadmin", false],
    ["GET", "/healthz;jsessionid=1", false],
    ["GET", "//healthz", false],
    ["GET", "/healthz%00", false],
    ["GET", "/%68ealthz", true],
    ["GET", "/healthz%252e%252e/x", false],
    ["GET", "/a/../healthz", true],
    ["PUT", "/static/app.js", true],
    ["GET", "/static", false],
    ["GET", "/static/../admin", false],
  ] as const)("%s %s → %s", (method, path, expected) => {
    expect(isPublic(routes, method, path)).toBe(expected);
  });

  it("refuses a rule that is not a plain path", () => {
    for (const bad of ["healthz", "/a?b", "/a#b", "/a/../b", "GET /a", "get:/a", "/a//b"]) {
      expect(() => parsePublicRoute(bad), bad).toThrow(/public/);
    }
  });

  it("normalises dot segments and refuses what a backend could read differently", () => {
    expect(normalisedPath("/a/./b/../c")).toBe("/a/c");
    expect(normalisedPath("/a\\b")).toBeUndefined();
    expect(normalisedPath("/%zz")).toBeUndefined();
  });

  it("gives every path the answer of the full decoding (its shortcut for plain paths included)", () => {
    // The rule written out once more, without the shortcut.
    const reference = (path: string): string | undefined => {
      let decoded: string;
      try {
        decoded = decodeURIComponent(path);
      } catch {
        return undefined;
      }
      // biome-ignore lint/suspicious/noControlCharactersInRegex: a control character is the refusal.
      if (!decoded.startsWith("/") || /[%;\\\u0000-\u001f\u007f]|\/\//.test(decoded)) return undefined;
      const segments: string[] = [];
      for (const segment of decoded.split("/").slice(1)) {
        if (segment === "..") segments.pop();
        else if (segment !== ".") segments.push(segment);
      }
      return `/${segments.join("/")}`;
    };
    const piece = fc.constantFrom(
      "/",
      ".",
      "..",
      "a",
      "b.c",
      "%",
      "%2e",
      "%2F",
      "%zz",
      ";",
      "\\",
      "\u0001",
      "-",
      "~",
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const path = pieces.join("");
        expect(normalisedPath(path)).toBe(reference(path));
      }),
      { numRuns: 5000 },
    );
  });
});

describe("the roster and the policy", () => {
  const unionid = "oUnion000000000000000000000a";
  const session = (over: Partial<LoginSession["user"]> = {}): LoginSession => ({
    user: { id: "u1", nickname: "", headimgurl: "", unionid, ...over },
    identity: { appid: "wx0123456789abcdef", openid: "oOpen0000000000000000000000b" },
    expiresAt: 0,
  });
  const roster = parseRoster(
    `users:\n  ${unionid}:\n    name: 张三\n    email: z@example.com\n    groups: [ops, dev]\n  wx0123456789abcdef:oOpen0000000000000000000000c:\n`,
  );

  it("reads names, e-mails and groups, and an entry with nothing but its key", () => {
    expect(roster.get(unionid)).toEqual({ name: "张三", email: "z@example.com", groups: ["ops", "dev"] });
    expect(roster.get("wx0123456789abcdef:oOpen0000000000000000000000c")).toEqual({
      name: undefined,
      email: undefined,
      groups: [],
    });
  });

  it.each([
    ["not YAML", "users: [", /YAML/],
    ["no users", "people: {}", /users|top/],
    ["a bad key", "users:\n  'has space': {}\n", /unionid/],
    ["a bad group", `users:\n  ${unionid}:\n    groups: ["a,b"]\n`, /group/],
    ["a bad e-mail", `users:\n  ${unionid}:\n    email: nope\n`, /email/],
    ["an unknown field", `users:\n  ${unionid}:\n    role: admin\n`, /role|Unrecognized/i],
  ])("refuses %s", (_name, text, message) => {
    expect(() => parseRoster(text)).toThrow(message);
  });

  const policy = { roster, requireUnionid: false, singleAppid: true };

  it("allows a listed user, with the roster's identity", () => {
    const { identity, deny } = judge(policy, session(), []);
    expect(deny).toBeUndefined();
    expect(identity).toMatchObject({ user: unionid, email: "z@example.com", preferredUsername: "张三" });
  });

  it("denies an unlisted user, and one outside the route's groups", () => {
    expect(judge(policy, session({ unionid: "oSomeoneElse0000000000000000" }), []).deny).toBe(
      "not_in_roster",
    );
    expect(judge(policy, session(), ["admin"]).deny).toBe("not_in_group");
    expect(judge(policy, session(), ["admin", "dev"]).deny).toBeUndefined();
  });

  it("keys a user without unionid by appid:openid only with one AppID, and --require-unionid refuses them", () => {
    const noUnion = session({ unionid: undefined });
    const open = { roster: undefined, requireUnionid: false, singleAppid: true };
    expect(judge(open, noUnion, [])).toMatchObject({
      deny: undefined,
      identity: { user: "wx0123456789abcdef:oOpen0000000000000000000000b", preferredUsername: "wx-0000000b" },
    });
    expect(judge({ ...open, singleAppid: false }, noUnion, []).deny).toBe("no_unionid");
    expect(judge({ ...open, requireUnionid: true }, noUnion, []).deny).toBe("no_unionid");
  });
});
