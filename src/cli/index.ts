#!/usr/bin/env node
import type { CliCommand, CliContext } from "./command.js";
import { UsageError } from "./command.js";
import { emulatorCommand } from "./emulator.js";
import { messagesFor } from "./messages.js";
import { proxyCommand } from "./proxy-command.js";
import { startCommand } from "./start-command.js";
import { packageVersion } from "./version.js";

// One entry per subcommand; each lives in its own file.
const COMMANDS: readonly CliCommand[] = [startCommand, emulatorCommand, proxyCommand];

function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
}

/** Runs `wechat-login <command> ...args` and resolves to the exit code. */
async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const messages = messagesFor(env);
  const stderr = (line: string) => process.stderr.write(`${line}\n`);
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    (name === undefined ? stderr : (line: string) => process.stdout.write(`${line}\n`))(messages.usage);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    stderr(messages.unknownCommand(name));
    stderr(messages.usage);
    return 2;
  }
  const context: CliContext = {
    argv: rest,
    env,
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr,
    messages,
    stopSignal: stopSignal(),
  };
  try {
    return await command.run(context);
  } catch (error) {
    if (error instanceof UsageError) {
      stderr(error.message);
      return 2;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    // An unexpected failure: one line, no stack, unless debugging.
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.DEBUG) console.error(error);
    process.exit(1);
  },
);
