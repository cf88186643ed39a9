import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { targetOf } from "../../src/gateway/server.js";

describe("a request's path and query read off Request.url", () => {
  it("are URL#pathname and URL#search, whatever the Host and the target", () => {
    const piece = fc.constantFrom(
      ..."/ . .. a é %2e %2F % ? ?? # & = ; : @ \\ [ ] { } ` ^ | ' \" < > _wl auth".split(" "),
      " ",
      "\u0001",
    );
    const text = fc.array(piece, { maxLength: 10 }).map((pieces) => pieces.join(""));
    fc.assert(
      fc.property(
        fc.constantFrom("127.0.0.1:4180", "example.com", "[::1]:80", "u:p@h"),
        text,
        text,
        (host, extra, target) => {
          // As the bridge builds it: the Host header and the request target concatenated.
          // Any the Request refuses (credentials in the URL) the server answers 400 before reading its target.
          let href: string;
          try {
            href = new Request(new URL(`http://${host}${extra}/${target}`)).url;
          } catch {
            return;
          }
          const parsed = new URL(href);
          expect(targetOf(href)).toEqual({ pathname: parsed.pathname, search: parsed.search });
        },
      ),
      { numRuns: 5000 },
    );
  });
});
