import { fileURLToPath } from "node:url";
import type { OAuthToken } from "wechat-login/protocol";
import { type CannonLoad, cannonOn } from "../lib/cannon.js";
import { type Child, startChild } from "../lib/child.js";
import { WEBSITE } from "../lib/emulator.js";
import { abba, type LoadResult } from "../lib/load.js";
import type { Report } from "../lib/report.js";
import type { Settings } from "../lib/settings.js";
import type { CannedAnswer } from "./bare-api-process.js";

const BARE = fileURLToPath(new URL("./bare-api-process.js", import.meta.url));
const LOGIN_USER = "zhangsan";

interface Server {
  name: string;
  url: string;
  child: Child<{ url: string }>;
}

interface Endpoint {
  name: string;
  path: string;
  /** The query of request `index`; `codes` are fresh single-use codes when the endpoint needs them. */
  query: (index: number, codes: readonly string[]) => string;
  needsCodes: boolean;
  /** What every answer must look like (WeChat answers errors with HTTP 200). */
  verifyBody: (body: string) => boolean;
}

function endpoints(token: OAuthToken): Endpoint[] {
  const bearer = `access_token=${encodeURIComponent(token.accessToken)}&openid=${token.openid}`;
  return [
    {
      name: "sns/auth",
      path: "/sns/auth",
      query: () => bearer,
      needsCodes: false,
      verifyBody: (body) => body === '{"errcode":0,"errmsg":"ok"}',
    },
    {
      name: "sns/userinfo",
      path: "/sns/userinfo",
      query: () => `${bearer}&lang=zh_CN`,
      needsCodes: false,
      verifyBody: (body) => body.includes(token.openid) && !body.includes('"errcode"'),
    },
    {
      name: "sns/oauth2/access_token",
      path: "/sns/oauth2/access_token",
      query: (index, codes) =>
        `appid=${WEBSITE.appid}&secret=${WEBSITE.secret}&code=${codes[index % codes.length]}&grant_type=authorization_code`,
      needsCodes: true,
      verifyBody: (body) => body.includes('"access_token"') && !body.includes('"errcode"'),
    },
  ];
}

const mintCodes = async (emulator: Child<{ url: string }>, count: number) =>
  (
    await emulator.ask<{ codes: string[] }>({
      type: "mintCodes",
      appid: WEBSITE.appid,
      userId: LOGIN_USER,
      count,
    })
  ).codes;

/** The emulator's own answer on each endpoint, captured once for the bare server to repeat. */
async function cannedAnswers(
  emulator: Child<{ url: string }>,
  list: readonly Endpoint[],
): Promise<CannedAnswer[]> {
  const codes = await mintCodes(emulator, 1);
  return Promise.all(
    list.map(async (endpoint) => {
      const response = await fetch(`${emulator.ready.url}${endpoint.path}?${endpoint.query(0, codes)}`);
      const body = await response.text();
      if (!endpoint.verifyBody(body)) throw new Error(`${endpoint.name}: unexpected answer ${body}`);
      return { path: endpoint.path, body, contentType: response.headers.get("content-type") ?? "" };
    }),
  );
}

/**
 * One phase against one server: a fixed time, or for the code exchange a fixed
 * number of requests, each with a code of its own (minted just before, off the clock).
 * The server's CPU per request is taken from its own process.
 */
async function phase(
  server: Server,
  endpoint: Endpoint,
  settings: Settings,
  codes: readonly string[],
  length: { seconds: number } | { amount: number },
): Promise<LoadResult> {
  const load: CannonLoad = {
    connections: settings.serverConnections,
    path: (index) => `${endpoint.path}?${endpoint.query(index, codes)}`,
    expect: 2,
    verifyBody: endpoint.verifyBody,
    ...("seconds" in length ? { duration: length.seconds } : { amount: length.amount }),
  };
  return (await cannonOn(server.child, server.url, load)).result;
}

/**
 * Scenario 6: the emulator against a bare Hono route answering the same JSON on
 * the same server stack, both in a process of their own, under the same
 * autocannon, in A-B-B-A order. Below ~0.7× the emulator caps every benchmark
 * (and every user's load test) that runs against it.
 */
export async function emulatorSpeed(
  emulator: Child<{ url: string }>,
  token: OAuthToken,
  settings: Settings,
  report: Report,
) {
  const scenario = "6 emulator vs bare Hono";
  const list = endpoints(token);
  const bareChild = await startChild<{ url: string }>(BARE, [
    JSON.stringify(await cannedAnswers(emulator, list)),
  ]);
  const servers = {
    emulator: { name: "emulator", url: emulator.ready.url, child: emulator },
    bare: { name: "bare Hono route", url: bareChild.ready.url, child: bareChild },
  } satisfies Record<string, Server>;
  try {
    for (const endpoint of list) {
      const exchanges = settings.apiExchanges;
      // Each measured phase of the emulator gets fresh codes; the bare route ignores them, so it reuses the last ones.
      let codes: readonly string[] = [];
      const run = async (server: Server, length: { seconds: number } | { amount: number }) => {
        if (endpoint.needsCodes && server === servers.emulator) {
          codes = await mintCodes(emulator, "amount" in length ? length.amount : 1);
        }
        return phase(server, endpoint, settings, codes, length);
      };
      const measured = endpoint.needsCodes ? { amount: exchanges } : { seconds: settings.apiSeconds };
      const warmup = endpoint.needsCodes
        ? { amount: Math.ceil(exchanges / 4) }
        : settings.serverWarmupSeconds > 0
          ? { seconds: settings.serverWarmupSeconds }
          : undefined;
      if (warmup) {
        await run(servers.emulator, warmup);
        await run(servers.bare, warmup);
      }
      const { a: ours, b: bare } = await abba(
        settings.rounds,
        () => run(servers.emulator, measured),
        () => run(servers.bare, measured),
      );
      report.measure(scenario, endpoint.name, "emulator", ours, "CPU: the server's");
      report.measure(scenario, endpoint.name, "bare Hono route", bare, "CPU: the server's");
      // The server's own cost per request: steadier than throughput when the load generator or the machine is the limit.
      report.value(
        scenario,
        endpoint.name,
        "server CPU emulator / bare",
        ours.cpuUsPerCall / bare.cpuUsPerCall,
        "×",
      );
      report.check(
        scenario,
        `${endpoint.name}: emulator / bare Hono throughput`,
        ours.callsPerSec / bare.callsPerSec,
        ">=",
        0.7,
        "×",
      );
    }
  } finally {
    await bareChild.stop();
  }
}
