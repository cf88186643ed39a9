import type { Measurement, Report, Target } from "./report.js";

const fixed = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value)
    ? ""
    : value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

function render(rows: string[][], right: ReadonlySet<number>): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row, index) => {
      const line = row
        .map((cell, column) =>
          right.has(column) ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
        )
        .join("  ");
      return index === 0 ? `${line}\n${widths.map((width) => "-".repeat(width)).join("  ")}` : line;
    })
    .join("\n");
}

function measurementRow(m: Measurement): string[] {
  if (m.value !== undefined) {
    return [
      m.case,
      m.contender,
      `${fixed(m.value, m.unit === "×" || m.unit === "MB" ? 2 : 0)} ${m.unit}`,
      "",
      "",
      "",
    ];
  }
  return [
    m.case,
    m.contender,
    fixed(m.callsPerSec),
    fixed(m.p50Ms, 2),
    fixed(m.p99Ms, 2),
    fixed(m.cpuUsPerCall),
  ];
}

export function measurementsTable(measurements: readonly Measurement[]): string {
  const header = ["case", "contender", "calls/s", "p50 ms", "p99 ms", "CPU µs/call"];
  return render([header, ...measurements.map(measurementRow)], new Set([2, 3, 4, 5]));
}

const verdict = (target: Target) => (target.met ? "met" : target.correctness ? "FAILED" : "missed");

export function targetsTable(targets: readonly Target[]): string {
  const header = ["scenario", "target", "measured", "wanted", ""];
  const rows = targets.map((target) => [
    target.scenario,
    target.description,
    `${fixed(target.measured, target.unit === "×" || target.unit === "MB" ? 2 : 0)} ${target.unit}`.trim(),
    `${target.comparator} ${fixed(target.threshold, target.unit === "×" ? 1 : 0)} ${target.unit}`.trim(),
    verdict(target),
  ]);
  return render([header, ...rows], new Set([2]));
}

/** Every scenario's measurements, then the targets with their verdicts, then what was skipped and why. */
export function printReport(report: Report): void {
  const scenarios = [...new Set(report.measurements.map((m) => m.scenario))];
  for (const scenario of scenarios) {
    console.log(`\n## ${scenario}\n`);
    console.log(measurementsTable(report.measurements.filter((m) => m.scenario === scenario)));
  }
  console.log("\n## Targets\n");
  console.log(targetsTable(report.targets));
  for (const skip of report.skips) console.log(`\nskipped (${skip.scenario}) ${skip.what}: ${skip.reason}`);
}
