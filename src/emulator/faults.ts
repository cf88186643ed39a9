import { z } from "zod";

/** What an injected fault does to the next matching calls. */
export const FAULT_KINDS = [
  "errcode",
  "delay",
  "http",
  "html",
  "truncated",
  "garbage",
  "reset",
  "hang",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const faultSchema = z
  .strictObject({
    endpoint: z
      .string()
      .regex(/^(\*|\/[\x21-\x7e]{0,200})$/, 'must be a path like "/sns/oauth2/access_token" or "*"'),
    kind: z.enum(FAULT_KINDS),
    times: z.number().int().min(1).max(100_000).default(1),
    errcode: z.number().int().min(-999_999).max(999_999).optional(),
    delayMs: z.number().int().min(0).max(600_000).optional(),
    status: z.number().int().min(200).max(599).optional(),
  })
  .superRefine((fault, context) => {
    if (fault.kind === "http" && fault.status !== undefined && fault.status < 400) {
      context.addIssue({
        code: "custom",
        path: ["status"],
        message: "an http fault needs a 4xx or 5xx status",
      });
    }
  });

export type FaultInput = z.input<typeof faultSchema>;

/** A fault as stored, defaults filled in. */
export interface Fault {
  endpoint: string;
  kind: FaultKind;
  remaining: number;
  errcode: number;
  delayMs: number;
  status: number;
}

function defaultStatus(kind: FaultKind): number {
  if (kind === "http") return 503;
  if (kind === "html") return 502;
  return 200;
}

/** True for the JSON endpoints (`API` host), which `*` faults apply to. */
export function isApiPath(path: string): boolean {
  return path.startsWith("/sns/") || path.startsWith("/cgi-bin/") || path.startsWith("/wxa/");
}

/** Faults queued by tests, consumed in order by the calls they match. */
export class FaultStore {
  #faults: Fault[] = [];

  add(input: z.output<typeof faultSchema>): Fault {
    const fault: Fault = {
      endpoint: input.endpoint,
      kind: input.kind,
      remaining: input.times,
      errcode: input.errcode ?? -1,
      delayMs: input.delayMs ?? 1000,
      status: input.status ?? defaultStatus(input.kind),
    };
    this.#faults.push(fault);
    return fault;
  }

  /** The fault this call gets, if any; each call uses up one of its `times`. */
  take(path: string): Fault | undefined {
    const fault = this.#faults.find(
      (candidate) => candidate.endpoint === path || (candidate.endpoint === "*" && isApiPath(path)),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults = this.#faults.filter((candidate) => candidate !== fault);
    return { ...fault };
  }

  list(): Fault[] {
    return this.#faults.map((fault) => ({ ...fault }));
  }

  clear(): void {
    this.#faults = [];
  }
}
