import { homedir } from "node:os";
import { join } from "node:path";

/** `startEmulator({ proxy })`: serve WeChat's own hosts through an HTTPS proxy as well. */
export interface EmulatorProxyOptions {
  /** TCP port of the proxy; 0 picks a free one. */
  port: number;
  /**
   * Where the local CA lives: created on first use, reused afterwards so it is
   * trusted once. Default `~/.wechat-login/emulator-ca`.
   */
  caDir?: string;
}

/** The proxy side of a running emulator. */
export interface EmulatorProxyInfo {
  /** e.g. `http://127.0.0.1:3128`: set `HTTPS_PROXY` to it. */
  url: string;
  /** The CA certificate a client must trust (`NODE_EXTRA_CA_CERTS`, curl's `--cacert`, a Java truststore). */
  caCertPath: string;
}

/** The CA directory when none is given. */
export function defaultCaDir(): string {
  return join(homedir(), ".wechat-login", "emulator-ca");
}

/** Why the proxy could not start; the CLI words each one in the user's language. */
export type EmulatorProxyProblem = "missing-node-forge" | "bad-ca";

/** The proxy cannot start: its certificate library is absent, or the CA files are unusable. */
export class EmulatorProxyError extends Error {
  constructor(
    readonly problem: EmulatorProxyProblem,
    message: string,
  ) {
    super(message);
    this.name = "EmulatorProxyError";
  }
}
