import type { Driver } from "../stores/drivers.js";
import type { EnvProblem } from "./env-config.js";

/** `start --no-emulator` found variables missing or malformed: all of them, to fix in one go. */
export class EnvProblems extends Error {
  override name = "EnvProblems";
  constructor(readonly problems: readonly EnvProblem[]) {
    super(problems.map((problem) => `${problem.variable} ${problem.problem}`).join(", "));
  }
}

/** The store of STORE_URL could not be opened; `location` is its file path or host, never a password. */
export class StoreOpenFailed extends Error {
  override name = "StoreOpenFailed";
  constructor(
    readonly location: string,
    readonly reason: string,
    /** The driver package the URL's store needs, when it is not installed. */
    readonly missingDriver?: Driver,
  ) {
    super(`cannot open the store at ${location} (${reason})`);
  }
}

/** A server could not listen: `role` tells which flag sets its port. */
export class ListenFailed extends Error {
  override name = "ListenFailed";
  constructor(
    readonly role: "demo" | "emulator",
    readonly host: string,
    readonly port: number,
    readonly reason: string,
  ) {
    super(`cannot listen on ${host}:${port} (${reason})`);
  }
}
