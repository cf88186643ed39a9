import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_OPEN_ACCOUNT } from "../../src/emulator/defaults.js";
import { unionidFor } from "../../src/emulator/ids.js";
import { memoryStore } from "../../src/stores/memory.js";
import { confirmOnPhone } from "../support/confirm.js";
import { freePort } from "../support/ports.js";

import { EchoUpstream, GatewayBrowser, type GatewayHarness, raw, startGatewayHarness } from "./harness.js";

describe("the gateway's access log", () => {
  const lines: string[] = [];
  const record = (object: object, message: string) => lines.push(JSON.stringify({ ...object, message }));
  const store = memoryStore();
  let upstream: EchoUpstream;
  let harness: GatewayHarness;
  let site: string;

  beforeAll(async () => {
    upstream = await new EchoUpstream().start();
    const port = await freePort();
    site = `http://127.0.0.1:${port}`;
    harness = await startGatewayHarness(store, {
      port,
      publicOrigin: site,
      upstream: upstream.url,
      trustProxy: "127.0.0.1",
      accessLog: true,
      logger: { info: record, warn: record, error: record },
    });
  });

  afterAll(async () => {
    await harness?.close();
    await upstream?.close();
    await store.close();
  });

  it("logs each request with its decision and user, and never a code, state or cookie", async () => {
    const browser = new GatewayBrowser();
    const start = await browser.get(`${site}/_wl/login?returnTo=%2Freport`);
    const authorize = GatewayBrowser.location(start, site);
    const state = new URL(authorize).searchParams.get("state") ?? "";
    const callback = await confirmOnPhone(harness.emulator.url, authorize, { userId: "zhangsan" });
    const code = new URL(callback).searchParams.get("code") ?? "";
    expect((await browser.get(callback)).status).toBe(302);
    expect((await browser.get(`${site}/report?x=1`)).status).toBe(200);
    const cookie = [...browser.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
    await raw(`${site}/_wl/auth`, {
      headers: {
        cookie,
        "x-forwarded-method": "GET",
        "x-forwarded-uri": `/_wl/callback?code=${code}&state=${state}`,
        "x-forwarded-host": "127.0.0.1",
      },
    });
    await raw(`${site}/anonymous`, { headers: { accept: "application/json" } });

    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const requests = entries.filter((entry) => entry.event === "request");
    expect(requests).toContainEqual(
      expect.objectContaining({
        method: "GET",
        url: "/report?x=1",
        status: 200,
        result: "allow",
        user: unionidFor(DEFAULT_OPEN_ACCOUNT, "zhangsan"),
      }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({ url: "/anonymous", status: 401, result: "login" }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({ url: "/_wl/auth", uri: "/_wl/callback?code=[redacted]&state=[redacted]" }),
    );
    expect(requests).toContainEqual(
      expect.objectContaining({
        url: expect.stringMatching(/^\/_wl\/callback\?code=\[redacted\]&state=\[redacted\]/),
      }),
    );
    const secrets = [code, state, ...browser.cookies.values()].filter((secret) => secret.length >= 8);
    expect(secrets.length).toBeGreaterThanOrEqual(3);
    for (const secret of secrets) expect(lines.filter((line) => line.includes(secret))).toEqual([]);
  });
});
