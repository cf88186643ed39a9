import { Hono } from "hono";
import { html } from "hono/html";
import type { EmulatorEnv } from "../env.js";
import { layout } from "../pages/layout.js";

/**
 * A stand-in callback for trying the QR login without a site (the CLI prints a
 * qrconnect URL pointing here): it shows what a site's callback would receive.
 */
export function callbackRoutes(): Hono<EmulatorEnv> {
  const routes = new Hono<EmulatorEnv>();
  routes.get("/callback", (c) => {
    const code = c.req.query("code");
    const state = c.req.query("state") ?? "";
    return c.html(
      layout(
        "Callback",
        html`<h1 id="callback" data-code="${code ?? ""}" data-state="${state}">
  ${code ? "已授权 · Authorized" : "已拒绝 · Denied"}
</h1>
<p>Your site's callback would receive:</p>
<p><code>code=${code ?? "(none)"}</code><br><code>state=${state}</code></p>
<p class="muted">Exchange the code at <code>/sns/oauth2/access_token</code> within 5 minutes, once.</p>`,
      ),
    );
  });
  return routes;
}
