import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "./command.js";
import type { Messages } from "./messages.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * `util.parseArgs` with its errors in the user's language: Node's own
 * messages are English only and name its internals ("argument missing").
 */
export function parseFlags<T extends Options>(
  argv: string[],
  options: T,
  messages: Messages,
): ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>
>["values"] {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    throw new UsageError(translate(error, options, messages));
  }
}

function translate(error: unknown, options: Options, messages: Messages): string {
  const detail = error instanceof Error ? error.message : String(error);
  const code = error instanceof Error && "code" in error ? error.code : undefined;
  // Node quotes the offending token: '--prot', '--port <value>', 'foo'.
  const quoted = /'([^']+)'/.exec(detail)?.[1] ?? "";
  const flag = quoted.split(" ")[0] ?? quoted;
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return messages.unknownFlag(flag);
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return messages.unexpectedArgument(quoted);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const name = flag.replace(/^-+/, "");
      const long = Object.entries(options).find(([key, option]) => key === name || option.short === name);
      return long?.[1].type === "boolean" ? messages.flagTakesNoValue(flag) : messages.flagNeedsValue(flag);
    }
    default:
      return messages.badFlag(flag || detail);
  }
}

/** A TCP port flag: an integer from 0 to 65535, 0 for a free one. */
export function parsePort(messages: Messages, flag: string, text: string): number {
  const port = Number(text);
  if (!/^\d{1,5}$/.test(text) || port > 65535) throw new UsageError(messages.badPort(flag, text));
  return port;
}
