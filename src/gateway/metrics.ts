import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Histogram, Registry } from "prom-client";
import type { LoginFlowEvent } from "../flow/index.js";

/** Which front asked for a decision. */
export type GatewayMode = "nginx" | "forward-auth" | "proxy";

/**
 * The gateway's Prometheus metrics (prom-client), served on a listener of
 * their own (`--metrics-listen`) so the protected host never exposes them.
 * Labels are bounded sets: a result, a mode, an app kind, an errcode; never a
 * user or a URL.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #decisions = new Counter({
    name: "wechat_login_gateway_decisions_total",
    help: "Decisions by mode (nginx, forward-auth, proxy) and result (allow, login, deny, error)",
    labelNames: ["mode", "result"] as const,
    registers: [this.registry],
  });
  readonly #logins = new Counter({
    name: "wechat_login_logins_total",
    help: "Completed logins by flow (website: QR; officialAccount: inside WeChat)",
    labelNames: ["flow"] as const,
    registers: [this.registry],
  });
  readonly #wechatErrors = new Counter({
    name: "wechat_login_wechat_errors_total",
    help: "Failed calls to WeChat by endpoint and errcode (none: no errcode, e.g. a timeout)",
    labelNames: ["endpoint", "errcode"] as const,
    registers: [this.registry],
  });
  readonly #sessionLookup = new Histogram({
    name: "wechat_login_gateway_session_lookup_seconds",
    help: "Time to read a request's session from the store",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 3],
    registers: [this.registry],
  });
  readonly #upstream = new Histogram({
    name: "wechat_login_gateway_upstream_seconds",
    help: "Time from forwarding a request to the upstream's answer being sent, by status class",
    labelNames: ["status"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60],
    registers: [this.registry],
  });

  decision(mode: GatewayMode, result: "allow" | "login" | "deny" | "error"): void {
    this.#decisions.inc({ mode, result });
  }

  sessionLookup(seconds: number): void {
    this.#sessionLookup.observe(seconds);
  }

  upstream(status: number, seconds: number): void {
    this.#upstream.observe({ status: `${Math.floor(status / 100)}xx` }, seconds);
  }

  /** The login's `onEvent`: counts completed logins and WeChat's errcodes. */
  readonly onEvent = (event: LoginFlowEvent): void => {
    if (event.type === "login_completed") this.#logins.inc({ flow: event.app });
    else if (event.type === "wechat_call_failed")
      this.#wechatErrors.inc({ endpoint: event.endpoint, errcode: String(event.errcode ?? "none") });
  };

  /** Serves `GET /metrics` (and nothing else) on `host:port`. */
  async listen(host: string, port: number): Promise<{ url: string; server: Server }> {
    const server = createServer((req, res) => {
      if (req.method !== "GET" || req.url !== "/metrics") {
        res.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": this.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    return { url: `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`, server };
  }
}
