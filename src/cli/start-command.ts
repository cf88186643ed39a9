import { parseArgs } from "node:util";
import { ConfigError } from "../protocol/errors.js";
import { type CliCommand, type CliContext, UsageError } from "./command.js";
import { cliLang } from "./messages.js";
import { startDemo } from "./start.js";

interface StartFlags {
  port: number;
  emulatorPort: number;
  host: string;
  useEmulator: boolean;
  help: boolean;
}

function parsePort(context: CliContext, flag: string, text: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65535)
    throw new UsageError(context.messages.badPort(text).replace("--port", flag));
  return port;
}

function parseFlags(context: CliContext): StartFlags {
  let values: {
    port?: string;
    "emulator-port"?: string;
    host?: string;
    "no-emulator"?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: context.argv,
      options: {
        port: { type: "string" },
        "emulator-port": { type: "string" },
        host: { type: "string" },
        "no-emulator": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    const flag = /'([^']+)'/.exec(detail)?.[1];
    if (error instanceof Error && "code" in error && error.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && flag) {
      throw new UsageError(context.messages.unknownFlag(flag));
    }
    throw new UsageError(context.messages.badFlag(detail.split(". ")[0] ?? detail));
  }
  const host = values.host ?? "localhost";
  if (host.trim() === "") throw new UsageError(context.messages.badHost());
  return {
    port: parsePort(context, "--port", values.port ?? "3000"),
    emulatorPort: parsePort(context, "--emulator-port", values["emulator-port"] ?? "3001"),
    host,
    useEmulator: !(values["no-emulator"] ?? false),
    help: values.help ?? false,
  };
}

/** `wechat-login start`: the demo site and the emulator it logs in through, on SQLite, until Ctrl-C. */
export const startCommand: CliCommand = {
  name: "start",
  async run(context) {
    const flags = parseFlags(context);
    if (flags.help) {
      context.stdout(context.messages.startHelp);
      return 0;
    }
    let demo: Awaited<ReturnType<typeof startDemo>>;
    try {
      demo = await startDemo({
        port: flags.port,
        host: flags.host,
        emulatorPort: flags.emulatorPort,
        useEmulator: flags.useEmulator,
        env: context.env,
        say: context.stdout,
        lang: cliLang(context.env) === "zh" ? "zh-CN" : "en",
      });
    } catch (error) {
      if (error instanceof ConfigError)
        throw new UsageError(context.messages.badSetting(error.field, error.problem));
      if (error instanceof Error && "code" in error && error.code === "EADDRINUSE") {
        context.stderr(context.messages.listenFailed(`${flags.host}`, "EADDRINUSE"));
        return 1;
      }
      throw error;
    }
    await context.stopSignal;
    await demo.close();
    return 0;
  },
};
