import type { Messages } from "./messages.js";

/** What a subcommand gets: its own arguments and the process's streams, so tests can drive it. */
export interface CliContext {
  argv: string[];
  env: NodeJS.ProcessEnv;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  messages: Messages;
  /** Resolves when the user asks the process to stop (Ctrl-C, SIGTERM). */
  stopSignal: Promise<void>;
}

/** One `wechat-login <name>` subcommand, in its own file. Resolves to the exit code. */
export interface CliCommand {
  name: string;
  run(context: CliContext): Promise<number>;
}

/** A bad flag or config value: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}
