import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { caddyConfig, nginxConfig, traefikConfig } from "../../src/gateway/index.js";

const root = resolve(import.meta.dirname, "../..");

/** The settings the guides print with: `--public-url https://app.example.com --upstream http://app:8080`. */
const SETTINGS = {
  gateway: "127.0.0.1:4180",
  upstream: "app:8080",
  prefix: "/_wl",
  host: "app.example.com",
  sessionCookie: "__Host-wl_session",
};

function fenced(doc: string, lang: string): string {
  const text = readFileSync(join(root, doc), "utf8");
  // The printed configurations open with this comment; the guide's other yaml blocks (gateway.yaml, users.yaml) do not.
  const match = new RegExp(`\`\`\`${lang}\\n(# wechat-login proxy[\\s\\S]*?)\`\`\``).exec(text);
  if (!match?.[1]) throw new Error(`${doc} has no ${lang} block`);
  return match[1];
}

// The configurations in the guides are what --print-* prints (and what test/gateway/nginx.test.ts runs), not copies.
describe.each(["docs/gateway.md", "docs/gateway.zh-CN.md"])("%s shows the printed configurations", (doc) => {
  it("nginx", () => expect(fenced(doc, "nginx")).toBe(nginxConfig(SETTINGS)));
  it("Traefik", () => expect(fenced(doc, "yaml")).toBe(traefikConfig(SETTINGS)));
  it("Caddy", () => expect(fenced(doc, "caddyfile")).toBe(caddyConfig(SETTINGS)));
});
