import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type LoginOptions, parseLoginConfig } from "../../src/flow/index.js";
import { offlineOptions } from "../adapters/sites.js";

/** The sections of docs/security(.zh-CN).md on rate limits and trustProxy, by their headings. */
const SECTIONS = [
  "## Rate limits",
  "## Behind a proxy or load balancer (`trustProxy`)",
  "## 限流",
  "## 在代理或负载均衡之后（`trustProxy`）",
];

/** The `createLogin` option snippets (```ts blocks) of those sections. */
function optionSnippets(file: string): string[] {
  const text = readFileSync(new URL(`../../docs/${file}`, import.meta.url), "utf8");
  const snippets: string[] = [];
  for (const section of text.split(/^(?=## )/m)) {
    if (!SECTIONS.some((heading) => section.startsWith(`${heading}\n`))) continue;
    for (const match of section.matchAll(/```ts\n([\s\S]*?)```/g)) snippets.push(match[1]!);
  }
  return snippets;
}

describe.each(["security.md", "security.zh-CN.md"])("the option snippets of docs/%s", (file) => {
  it("are valid createLogin options, as written", () => {
    const snippets = optionSnippets(file);
    expect(snippets.length).toBeGreaterThanOrEqual(5);
    for (const snippet of snippets) {
      // Each snippet is the option lines a reader pastes into createLogin({ … }).
      const options = new Function(`return {${snippet}};`)() as Partial<LoginOptions>;
      expect(Object.keys(options).length).toBeGreaterThan(0);
      expect(() => parseLoginConfig(offlineOptions(3000, options))).not.toThrow();
    }
  });
});
