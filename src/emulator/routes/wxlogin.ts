import { Hono } from "hono";
import type { EmulatorEnv } from "../env.js";

// Mirrors WeChat's WxLogin.js: options go into the iframe URL as given (redirect_uri arrives URL-encoded,
// so it is not encoded again); the sandbox lets the cross-origin frame navigate the top window.
const SCRIPT_BODY = `
  function enc(value) { return encodeURIComponent(value == null ? "" : String(value)); }
  window.WxLogin = function WxLogin(options) {
    var container = document.getElementById(options.id);
    if (!container) return;
    var src = ORIGIN + "/connect/qrconnect?appid=" + enc(options.appid) +
      "&scope=" + enc(options.scope) +
      "&redirect_uri=" + (options.redirect_uri || "") +
      "&state=" + enc(options.state) +
      "&login_type=jssdk" +
      "&self_redirect=" + (options.self_redirect === true || options.self_redirect === "true" ? "true" : "false") +
      "&style=" + enc(options.style || "black") +
      "&href=" + enc(options.href || "") +
      (options.lang ? "&lang=" + enc(options.lang) : "");
    var frame = document.createElement("iframe");
    frame.src = src;
    frame.frameBorder = "0";
    frame.allowTransparency = "true";
    frame.scrolling = "no";
    frame.width = "300px";
    frame.height = "400px";
    frame.setAttribute("sandbox", "allow-scripts allow-top-navigation allow-same-origin");
    frame.setAttribute("data-wx-login", "emulator");
    container.innerHTML = "";
    container.appendChild(frame);
  };
`;

/** Serves WxLogin.js at WeChat's path (and a short one), bound to the origin it was fetched from. */
export function wxLoginRoutes(): Hono<EmulatorEnv> {
  const routes = new Hono<EmulatorEnv>();
  const serve = (url: string) => {
    // The origin comes from a parsed URL, so it holds no quote or newline; JSON.stringify makes it a JS string.
    const origin = JSON.stringify(new URL(url).origin);
    return `(function () {\n  var ORIGIN = ${origin};${SCRIPT_BODY}})();\n`;
  };
  for (const path of ["/connect/zh_CN/htmledition/js/wxLogin.js", "/wxLogin.js"]) {
    routes.get(path, (c) => {
      c.header("content-type", "application/javascript; charset=utf-8");
      return c.body(serve(c.req.url));
    });
  }
  return routes;
}
