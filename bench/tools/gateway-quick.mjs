/**
 * A quick measurement of the gateway, not yet a scenario of `npm run bench` (the gateway has no package export
 * the bench could import): the nginx auth endpoint's decision beside a bare route doing the same session read
 * (raw store reads, and login.getSession), and proxy mode beside nginx proxying directly. autocannon runs in its
 * own process; everything is on loopback against the emulator, on the memory store. Run from the repository:
 *
 *   node scripts/build.mjs --out-dir node_modules/.cache/gw-bench --no-types
 *   cp bench/tools/gateway-quick.mjs node_modules/.cache/gw-bench/ && node node_modules/.cache/gw-bench/gateway-quick.mjs
 *
 * DURATION=<seconds> per run (default 5); ONLY=auth or ONLY=proxy runs one half. Each pair runs two or three times, interleaved.
 */

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { toWebRequest } from "./adapters/node-bridge.js";
import { startEmulator } from "./emulator/index.js";
import { createLogin } from "./flow/index.js";
import { startGateway } from "./gateway/index.js";
import { memoryStore } from "./stores/memory.js";

const DURATION = Number(process.env.DURATION ?? 5);
const ONLY = process.env.ONLY ?? "auth,proxy";
const free = () =>
  new Promise((r) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = s.address().port;
      s.close(() => r(p));
    });
  });
// autocannon in its own process, so the load generator does not share the servers' event loop.
const { spawn: spawnChild } = await import("node:child_process");
const run = (url, headers) =>
  new Promise((resolve, reject) => {
    const args = [
      fileURLToPath(new URL("../../autocannon/autocannon.js", import.meta.url)),
      "-c",
      "20",
      "-d",
      String(DURATION),
      "-j",
    ];
    for (const [k, v] of Object.entries(headers)) args.push("-H", `${k}=${v}`);
    args.push(url);
    const child = spawnChild(process.execPath, args, { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (c) => {
      out += c;
    });
    child.on("close", () => {
      try {
        const r = JSON.parse(out);
        resolve({
          rps: Math.round(r.requests.average),
          p50: r.latency.p50,
          p99: r.latency.p99,
          non2xx: r.non2xx,
          errors: r.errors,
        });
      } catch (e) {
        reject(e);
      }
    });
  });

const emulator = await startEmulator({ port: 0 });
const web = emulator.apps.find((a) => a.kind === "website" && a.openAccount);
const store = memoryStore();
const port = await free();
const site = `http://127.0.0.1:${port}`;
const upstream = createServer((_req, res) => res.end("ok")).listen(0, "127.0.0.1");
await new Promise((r) => upstream.once("listening", r));
let upstreamConnections = 0;
upstream.on("connection", () => upstreamConnections++);
const up = `127.0.0.1:${upstream.address().port}`;
const gw = await startGateway({
  appid: web.appid,
  secret: web.secret,
  publicOrigin: site,
  sessionSecret: "x".repeat(32),
  store,
  host: "127.0.0.1",
  port,
  upstream: `http://${up}`,
  trustProxy: "127.0.0.1",
  openBase: emulator.url,
  apiBase: emulator.url,
});
const jar = new Map();
const get = async (url) => {
  const r = await fetch(url, {
    redirect: "manual",
    headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") },
  });
  for (const c of r.headers.getSetCookie()) {
    const [kv] = c.split(";");
    const [k, v] = kv.split("=");
    if (v) jar.set(k, v);
    else jar.delete(k);
  }
  return r;
};
const start = await get(`${site}/_wl/login?returnTo=%2F`);
const authorize = new URL(start.headers.get("location"));
const conf = await fetch(`${emulator.url}/_emulator/authorize`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({
    appid: authorize.searchParams.get("appid"),
    redirect_uri: authorize.searchParams.get("redirect_uri"),
    state: authorize.searchParams.get("state"),
    scope: authorize.searchParams.get("scope"),
    userId: "zhangsan",
    decision: "allow",
  }),
});
await get((await conf.json()).location);
const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");

// The bare route: what a session check costs at the store (Sessions.read: hash, getSession, getUser), nothing else.
const bare = createServer(async (req, res) => {
  const id = /wl_session=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
  const record = id && (await store.getSession(createHash("sha256").update(id).digest("hex"), Date.now()));
  const user = record && (await store.getUser(record.userId));
  res.writeHead(user ? 200 : 401, { "x-auth-request-user": user?.unionid ?? "" }).end();
}).listen(0, "127.0.0.1");
await new Promise((r) => bare.once("listening", r));
// The same session read as the flow does it (login.getSession on a Web Request), answering 200: what an app's
// own requireSession costs, without the gateway's decision and headers.
const login = createLogin({
  appid: web.appid,
  secret: web.secret,
  redirectUri: `${site}/_wl/callback`,
  sessionSecret: "x".repeat(32),
  store,
  routePrefix: "/_wl",
  openBase: emulator.url,
  apiBase: emulator.url,
});
const fwd = {
  "x-forwarded-method": "GET",
  "x-forwarded-uri": "/x",
  "x-forwarded-host": "127.0.0.1",
  "x-forwarded-proto": "http",
  cookie,
};
const sameHeaders = Object.fromEntries((await fetch(`${gw.url}/_wl/auth`, { headers: fwd })).headers);
delete sameHeaders.date;
delete sameHeaders.connection;
delete sameHeaders["keep-alive"];
delete sameHeaders["content-length"];
const bareSession = createServer(async (req, res) => {
  const session = await login.getSession(toWebRequest(req, { body: null }));
  // The same answer headers as the gateway's (security and identity headers), so both answers weigh the same.
  res.writeHead(session ? 200 : 401, sameHeaders).end();
}).listen(0, "127.0.0.1");
await new Promise((r) => bareSession.once("listening", r));
const check = await fetch(`${gw.url}/_wl/auth`, { headers: fwd });
const bareCheck = await fetch(`http://127.0.0.1:${bare.address().port}/`, { headers: { cookie } });
console.log("sanity", check.status, bareCheck.status);
const results = {};
if (ONLY.includes("auth")) {
  for (const round of [1, 2, 3]) {
    results[`bareStore${round}`] = await run(`http://127.0.0.1:${bare.address().port}/`, { cookie });
    results[`bareSession${round}`] = await run(`http://127.0.0.1:${bareSession.address().port}/`, { cookie });
    results[`auth${round}`] = await run(`${gw.url}/_wl/auth`, fwd);
  }
}
if (ONLY.includes("proxy")) {
  const nport = await free();
  const prefix = mkdtempSync(join(tmpdir(), "gwb-"));
  mkdirSync(join(prefix, "logs"));
  const t = join(prefix, "t");
  writeFileSync(
    join(prefix, "n.conf"),
    `daemon off; master_process off; pid ${prefix}/p; error_log ${prefix}/logs/e.log; events{} http { access_log off; client_body_temp_path ${t}b; proxy_temp_path ${t}p; fastcgi_temp_path ${t}f; uwsgi_temp_path ${t}u; scgi_temp_path ${t}s; upstream app { server ${up}; keepalive 32; } server { listen 127.0.0.1:${nport}; location / { proxy_http_version 1.1; proxy_set_header Connection ""; proxy_pass http://app; } } }`,
  );
  const ng = spawn(
    "/usr/sbin/nginx",
    ["-p", prefix, "-c", join(prefix, "n.conf"), "-e", join(prefix, "logs/e.log")],
    { stdio: "ignore" },
  );
  await new Promise((r) => setTimeout(r, 500));
  for (const round of [1, 2]) {
    results[`nginxDirect${round}`] = await run(`http://127.0.0.1:${nport}/x`, {});
    results[`proxyMode${round}`] = await run(`${site}/x`, { cookie });
  }
  ng.kill("SIGQUIT");
}
for (const [k, v] of Object.entries(results)) console.log(k.padEnd(14), JSON.stringify(v));
console.log("upstream connections", upstreamConnections);
await gw.close();
await emulator.close();
bare.close();
upstream.close();
process.exit(0);
