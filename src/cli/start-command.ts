import { ConfigError } from "../protocol/errors.js";
import { type CliCommand, type CliContext, UsageError } from "./command.js";
import { EnvProblems, ListenFailed, StoreOpenFailed } from "./demo-errors.js";
import { startDemo } from "./demo-server.js";
import { parseFlags, parsePort } from "./flags.js";
import { createLogger, isLogLevel, LOG_LEVELS } from "./logger.js";
import { cliLang } from "./messages.js";

const FLAG_OF_ROLE = { demo: "--port", emulator: "--emulator-port" } as const;

function readFlags(context: CliContext) {
  const { messages } = context;
  const values = parseFlags(
    context.argv,
    {
      port: { type: "string" },
      "emulator-port": { type: "string" },
      host: { type: "string" },
      "no-emulator": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    messages,
  );
  const host = values.host ?? "localhost";
  if (host.trim() === "") throw new UsageError(messages.badHost());
  const level = context.env.LOG_LEVEL?.trim() || "info";
  if (!isLogLevel(level)) throw new UsageError(messages.badLogLevel(level, LOG_LEVELS.join(", ")));
  return {
    port: parsePort(messages, "--port", values.port ?? "3000"),
    emulatorPort: parsePort(messages, "--emulator-port", values["emulator-port"] ?? "3001"),
    host,
    useEmulator: !(values["no-emulator"] ?? false),
    help: values.help ?? false,
    level,
  };
}

/** Why `start` could not start, in the user's language: one line per problem. */
function explain(context: CliContext, error: unknown): string | undefined {
  const { messages } = context;
  if (error instanceof EnvProblems) return error.problems.map(messages.envProblem).join("\n");
  if (error instanceof StoreOpenFailed) {
    if (error.missingDriver)
      return messages.storeDriverMissing(error.missingDriver.name, error.missingDriver.install);
    if (error.reason === "malformed") return messages.storeMalformed(error.location);
    return messages.storeFailed(error.location, error.reason);
  }
  if (error instanceof ListenFailed) {
    const flag = FLAG_OF_ROLE[error.role];
    if (error.reason === "EADDRINUSE") return messages.portInUse(error.port, flag);
    return messages.portRefused(error.host, error.port, flag, error.reason);
  }
  if (error instanceof ConfigError) return messages.badSetting(error.field, error.problem);
  return undefined;
}

/** `wechat-login start`: the demo site and the emulator it logs in through, on SQLite, until Ctrl-C. */
export const startCommand: CliCommand = {
  name: "start",
  async run(context) {
    const flags = readFlags(context);
    if (flags.help) {
      context.stdout(context.messages.startHelp);
      return 0;
    }
    const logger = await createLogger("wechat-login", {
      level: flags.level,
      pretty: process.stdout.isTTY === true,
    });
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
        logger,
      });
    } catch (error) {
      const explained = explain(context, error);
      if (explained === undefined) throw error;
      context.stderr(explained);
      return error instanceof ListenFailed ? 1 : 2;
    }
    await context.stopSignal;
    await demo.close();
    return 0;
  },
};
