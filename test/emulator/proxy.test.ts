import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { type AddressInfo, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmulatorProxyError, type RunningEmulator, startEmulator } from "../../src/emulator/index.js";

const run = promisify(execFile);
let caDir: string;
let emulator: RunningEmulator;
let proxyUrl: string;
let caCert: string;

beforeAll(async () => {
  caDir = await mkdtemp(join(tmpdir(), "emulator-ca-"));
  emulator = await startEmulator({ port: 0, proxy: { port: 0, caDir: join(caDir, "ca") } });
  proxyUrl = emulator.proxy?.url ?? "";
  caCert = emulator.proxy?.caCertPath ?? "";
}, 30_000);

afterAll(async () => {
  await emulator?.close();
  if (caDir) await rm(caDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, "127.0.0.1", done));
  const { port } = probe.address() as AddressInfo;
  await new Promise((done) => probe.close(done));
  return port;
}

/** curl, a client no one here wrote, through the proxy with only the CA trusted. */
async function curl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run("curl", ["--silent", "--show-error", "--max-time", "10", ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** The status line a raw CONNECT gets, for hosts and ports curl would not let us ask for. */
function rawConnect(authority: string): Promise<string> {
  const { hostname, port } = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
    });
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk.toString();
    });
    socket.on("end", () => resolve(text));
    socket.on("error", reject);
  });
}

describe("the emulator's HTTPS proxy for WeChat's hosts", () => {
  it("keeps its CA in the data dir, the key readable by its owner only", async () => {
    expect(caCert).toBe(join(caDir, "ca", "ca.pem"));
    expect(await readFile(caCert, "utf8")).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect((await stat(join(caDir, "ca", "ca-key.pem"))).mode & 0o077).toBe(0);
  });

  it("serves api.weixin.qq.com over TLS to curl trusting only the local CA", async () => {
    const result = await curl([
      "--proxy",
      proxyUrl,
      "--cacert",
      caCert,
      "https://api.weixin.qq.com/sns/oauth2/access_token?appid=wx8f3a6b2c1d0e4f57&secret=3b9e2f71c4a8d6e05f1a7c3b9d2e8f40&code=nope&grant_type=authorization_code",
    ]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toMatchObject({ errcode: 40029 });
  });

  it("issues a certificate per host, with the host in its SAN", async () => {
    for (const host of ["open.weixin.qq.com", "mp.weixin.qq.com", "lp.open.weixin.qq.com"]) {
      const result = await curl([
        "--proxy",
        proxyUrl,
        "--cacert",
        caCert,
        "--verbose",
        "--output",
        "/dev/null",
        `https://${host}/connect/zh_CN/htmledition/js/wxLogin.js`,
      ]);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(`subjectAltName: host "${host}" matched cert's "${host}"`);
      expect(result.stderr).toContain("SSL certificate verify ok");
    }
  });

  it("passes OpenSSL's strict X.509 checks (Python 3.13 turns them on by default)", async () => {
    const { port } = new URL(proxyUrl);
    const { stdout } = await run("sh", [
      "-c",
      `openssl s_client -proxy 127.0.0.1:${port} -connect api.weixin.qq.com:443 -servername api.weixin.qq.com -CAfile "${caCert}" -x509_strict -verify_return_error </dev/null 2>&1`,
    ]);
    expect(stdout).toContain("Verify return code: 0 (ok)");
    expect(stdout).toMatch(/depth=0 CN = api\.weixin\.qq\.com/);
  });

  it("is not trusted without the CA: curl refuses the certificate", async () => {
    const result = await curl(["--proxy", proxyUrl, "https://api.weixin.qq.com/sns/auth"]);
    expect(result.code).toBe(60);
  });

  it("refuses CONNECT to any other host or port with 403, and stays up", async () => {
    const result = await curl(["--proxy", proxyUrl, "--cacert", caCert, "--verbose", "https://example.com/"]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/CONNECT tunnel failed, response 403|Received HTTP code 403 from proxy/);
    expect(await rawConnect("api.weixin.qq.com:8443")).toMatch(/^HTTP\/1\.1 403 /);
    expect(await rawConnect("api.weixin.qq.com.evil.test:443")).toMatch(/^HTTP\/1\.1 403 /);
    expect(await rawConnect("127.0.0.1:443")).toMatch(/^HTTP\/1\.1 403 /);
    const { hostname, port } = new URL(emulator.url);
    expect(await rawConnect(`${hostname}:${port}`)).toMatch(/^HTTP\/1\.1 403 /);
    const again = await curl(["--proxy", proxyUrl, "--cacert", caCert, "https://api.weixin.qq.com/sns/auth"]);
    expect(JSON.parse(again.stdout)).toMatchObject({ errcode: 41001 });
  });

  it("refuses plain absolute-URI proxying to other hosts, and answers it for WeChat's", async () => {
    const other = await curl(["--proxy", proxyUrl, "--write-out", "%{http_code}", "http://example.com/"]);
    expect(other.stdout).toMatch(/403$/);
    expect(other.stdout).toContain("not an open proxy");
    const local = await curl([
      "--proxy",
      proxyUrl,
      "--write-out",
      "%{http_code}",
      `${emulator.url}/_emulator/state`,
    ]);
    expect(local.stdout).toMatch(/403$/);
    const wechat = await curl(["--proxy", proxyUrl, "http://api.weixin.qq.com/sns/auth"]);
    expect(JSON.parse(wechat.stdout)).toMatchObject({ errcode: 41001 });
  });

  it("refuses a request that is not a proxy request", async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const { hostname, port } = new URL(proxyUrl);
      httpRequest({ host: hostname, port, path: "/sns/auth" }, (response) => {
        response.resume();
        resolve(response.statusCode);
      })
        .on("error", reject)
        .end();
    });
    expect(status).toBe(403);
  });

  it("reuses the CA on the next start, so it is trusted once", async () => {
    const before = await readFile(caCert, "utf8");
    const second = await startEmulator({ port: 0, proxy: { port: 0, caDir: join(caDir, "ca") } });
    try {
      expect(second.proxy?.caCertPath).toBe(caCert);
      expect(await readFile(caCert, "utf8")).toBe(before);
      const result = await curl([
        "--proxy",
        second.proxy?.url ?? "",
        "--cacert",
        caCert,
        "https://api.weixin.qq.com/sns/auth",
      ]);
      expect(JSON.parse(result.stdout)).toMatchObject({ errcode: 41001 });
    } finally {
      await second.close();
    }
  });

  it("refuses an unusable CA with a typed error, and leaves no server listening", async () => {
    const broken = join(caDir, "broken");
    await mkdir(broken);
    await writeFile(join(broken, "ca.pem"), "not a certificate");
    await writeFile(join(broken, "ca-key.pem"), "not a key");
    const port = await freePort();
    const failure = await startEmulator({ port, proxy: { port: 0, caDir: broken } }).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(EmulatorProxyError);
    expect((failure as EmulatorProxyError).problem).toBe("bad-ca");
    expect((failure as Error).message).toContain("delete ca.pem and ca-key.pem");
    expect((failure as Error).message).not.toContain("not a key");
    // The emulator's own port was released: it can be listened on again.
    const again = createServer();
    await new Promise<void>((done, fail) => again.once("error", fail).listen(port, "127.0.0.1", done));
    await new Promise((done) => again.close(done));
  });

  it("survives garbage: a tunnel that speaks no TLS, a bad CONNECT line, and keeps serving", async () => {
    const { hostname, port } = new URL(proxyUrl);
    const tunnel = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write("CONNECT api.weixin.qq.com:443 HTTP/1.1\r\nHost: api.weixin.qq.com:443\r\n\r\n");
      });
      let text = "";
      socket.on("data", (chunk) => {
        text += chunk.toString("latin1");
        // Once the tunnel is up, send what is not a TLS ClientHello.
        if (text.startsWith("HTTP/1.1 200") && !text.includes("sent")) {
          text += "sent";
          socket.write("GET / HTTP/1.1\r\n\r\n");
        }
      });
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
    });
    expect(tunnel).toMatch(/^HTTP\/1\.1 200 Connection Established/);
    expect(await rawConnect("not a host line")).toMatch(/^HTTP\/1\.1 (400|403) /);
    const result = await curl([
      "--proxy",
      proxyUrl,
      "--cacert",
      caCert,
      "https://api.weixin.qq.com/sns/auth",
    ]);
    expect(JSON.parse(result.stdout)).toMatchObject({ errcode: 41001 });
  });
});
