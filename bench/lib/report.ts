import type { LoadResult } from "./load.js";

/** One contender's numbers in one case of a scenario. */
export interface Measurement {
  scenario: string;
  case: string;
  contender: string;
  callsPerSec?: number;
  p50Ms?: number;
  p99Ms?: number;
  cpuUsPerCall?: number;
  errors?: number;
  /** A single-number result (connections, MB, refreshes) with its unit. */
  value?: number;
  unit?: string;
  note?: string;
}

/** A target from the issue, checked against what this run measured. */
export interface Target {
  scenario: string;
  description: string;
  measured: number;
  comparator: ">=" | "<=" | "<" | "==";
  threshold: number;
  unit: string;
  met: boolean;
  /** A correctness check (refresh count, connection bound, errors): missing it fails the run in every mode. */
  correctness: boolean;
}

export interface Skip {
  scenario: string;
  what: string;
  reason: string;
}

export class Report {
  readonly measurements: Measurement[] = [];
  readonly targets: Target[] = [];
  readonly skips: Skip[] = [];

  measure(scenario: string, caseName: string, contender: string, result: LoadResult, note?: string) {
    const { callsPerSec, p50Ms, p99Ms, cpuUsPerCall, errors } = result;
    this.measurements.push({
      scenario,
      case: caseName,
      contender,
      callsPerSec,
      p50Ms,
      p99Ms,
      cpuUsPerCall,
      errors,
      ...(note === undefined ? {} : { note }),
    });
    if (errors > 0) {
      this.check(scenario, `${caseName} ${contender}: failed calls`, errors, "==", 0, "calls", true);
      console.error(`  ${contender} ${caseName}: ${errors} failed, first: ${result.firstError}`);
    }
  }

  value(scenario: string, caseName: string, contender: string, value: number, unit: string, note?: string) {
    this.measurements.push({
      scenario,
      case: caseName,
      contender,
      value,
      unit,
      ...(note === undefined ? {} : { note }),
    });
  }

  check(
    scenario: string,
    description: string,
    measured: number,
    comparator: Target["comparator"],
    threshold: number,
    unit: string,
    correctness = false,
  ): boolean {
    const met =
      comparator === ">="
        ? measured >= threshold
        : comparator === "<="
          ? measured <= threshold
          : comparator === "<"
            ? measured < threshold
            : measured === threshold;
    this.targets.push({ scenario, description, measured, comparator, threshold, unit, met, correctness });
    return met;
  }

  skip(scenario: string, what: string, reason: string) {
    this.skips.push({ scenario, what, reason });
    console.log(`  skipped ${what}: ${reason}`);
  }

  get correctnessFailures(): Target[] {
    return this.targets.filter((target) => target.correctness && !target.met);
  }
}
