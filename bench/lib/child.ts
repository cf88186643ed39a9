import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";

/** A forked benchmark process that said it is ready, with the data it sent then. */
export interface Child<Ready> {
  process: ChildProcess;
  ready: Ready;
  /** Asks the child for something over IPC and waits for its answer. */
  ask<Answer>(message: { type: string; [key: string]: unknown }): Promise<Answer>;
  /** The child's own CPU time so far (user + system, µs): what it spent, whoever generated the load. */
  cpuUs(): Promise<number>;
  stop(): Promise<void>;
}

interface Envelope {
  type: string;
  id?: number;
  error?: string;
  [key: string]: unknown;
}

/** Answered by `serveParent` itself in every child. */
const CPU = "cpu";
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Forks `module` with an IPC channel and waits for `{type: "ready"}`. The
 * child inherits `--cpu-prof` and friends, so a profiled run profiles every process;
 * `runner` runs it under another program instead (`tools/instructions` uses valgrind).
 */
export async function startChild<Ready>(
  module: string,
  args: string[] = [],
  runner?: { execPath: string; execArgv: string[] },
): Promise<Child<Ready>> {
  const child = fork(module, args, { stdio: ["ignore", "inherit", "inherit", "ipc"], ...runner });
  const pending = new Map<number, { resolve: (value: Envelope) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const exited = once(child, "exit");
  child.on("message", (message: Envelope) => {
    if (message.id === undefined) return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message);
  });
  child.on("exit", (code) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${module} exited with ${code}`));
    pending.clear();
  });
  const ready = await Promise.race([
    once(child, "message").then(([message]) => message as Envelope),
    exited.then(([code]) => {
      throw new Error(`${module} exited with ${code} before it was ready`);
    }),
    new Promise<never>((_, reject) =>
      // Under valgrind a start takes tens of seconds.
      setTimeout(
        () => reject(new Error(`${module} not ready in time`)),
        runner ? 10 * READY_TIMEOUT_MS : READY_TIMEOUT_MS,
      ).unref(),
    ),
  ]);
  if (ready.type !== "ready") {
    child.kill();
    throw new Error(`${module} failed to start: ${ready.error ?? ready.type}`);
  }
  const ask = <Answer>(message: { type: string; [key: string]: unknown }) => {
    const id = nextId++;
    return new Promise<Answer>((resolve, reject) => {
      pending.set(id, { resolve: (value) => resolve(value as Answer), reject });
      child.send({ ...message, id });
    });
  };
  return {
    process: child,
    ready: ready as Ready,
    ask,
    cpuUs: async () => (await ask<{ cpuUs: number }>({ type: CPU })).cpuUs,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ type: "stop" });
      const timer = setTimeout(() => child.kill(), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

const cpuUsNow = () => {
  const { user, system } = process.cpuUsage();
  return user + system;
};

type Handler = (message: Envelope) => Promise<Record<string, unknown>>;

/**
 * The child's side: answers requests with `handle` (and `cpu` itself), runs `stop` when asked
 * (or when the parent goes away, so a crashed run leaves no process behind).
 */
export function serveParent(handle: Handler, stop: () => Promise<void>): void {
  let stopping = false;
  const finish = async () => {
    if (stopping) return;
    stopping = true;
    await stop().catch(() => undefined);
    // The parent may already be gone (that is one way to get here).
    if (process.connected) process.disconnect();
    process.exitCode = 0;
  };
  process.on("disconnect", () => void finish());
  process.on("message", (message: Envelope) => {
    if (message.type === "stop") {
      void finish();
      return;
    }
    const answer = message.type === CPU ? Promise.resolve({ cpuUs: cpuUsNow() }) : handle(message);
    answer.then(
      (answer) => process.send?.({ ...answer, type: "answer", id: message.id }),
      (error: unknown) =>
        process.send?.({
          type: "answer",
          id: message.id,
          error: error instanceof Error ? error.message : "?",
        }),
    );
  });
}

export function sendReady(data: Record<string, unknown>): void {
  process.send?.({ ...data, type: "ready" });
}
