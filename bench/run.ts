import { writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { ratioChart } from "./lib/chart.js";
import { startChild } from "./lib/child.js";
import { loginToken } from "./lib/emulator.js";
import { Report } from "./lib/report.js";
import { settingsFor } from "./lib/settings.js";
import { printReport } from "./lib/table.js";
import { clientVsPeers, clientVsRaw } from "./scenarios/client-vs-raw.js";
import { connectionDiscipline } from "./scenarios/connections.js";
import { emulatorSpeed } from "./scenarios/emulator-speed.js";
import { gatewayScenario } from "./scenarios/gateway.js";
import { loginServer } from "./scenarios/login-server.js";
import { pushReceiver } from "./scenarios/push-receiver.js";
import { refreshStorm } from "./scenarios/refresh-storm.js";

const quick = process.argv.includes("--quick");
// `--only 1,6` runs those scenarios alone (to work on one); the committed results come from a full run.
const onlyIndex = process.argv.indexOf("--only");
const only = onlyIndex === -1 ? undefined : new Set((process.argv[onlyIndex + 1] ?? "").split(","));
const ci = process.env.CI === "true";
const settings = settingsFor(quick);
const here = (file: string) => fileURLToPath(new URL(`../${file}`, import.meta.url));
// The quick smoke and partial runs must not overwrite the committed results of a full run.
const partial = quick || only !== undefined;
const resultsFile = here(partial ? "results.quick.json" : "results.json");
const chartFile = here(partial ? "results.quick.svg" : "results.svg");
const RUN_LIMIT_MS = quick ? 120_000 : 360_000;

const report = new Report();
const started = performance.now();
const load = { before: loadavg() };

/** Prints the table and writes the results: at the end, or with what there is when the watchdog fires. */
function finish(crashed: boolean): number {
  const seconds = (performance.now() - started) / 1000;
  printReport(report);
  const failures = report.correctnessFailures;
  const results = {
    mode: quick ? "quick" : "full",
    ...(only ? { only: [...only] } : {}),
    date: new Date().toISOString(),
    node: process.version,
    cores: cpus().length,
    cpu: cpus()[0]?.model,
    // Other work on the machine shows up here; numbers taken under a high load are only comparable within the run.
    loadAverage: { ...load, after: loadavg() },
    seconds,
    settings,
    measurements: report.measurements,
    targets: report.targets,
    skipped: report.skips,
    crashed,
  };
  writeFileSync(resultsFile, `${JSON.stringify(results, null, 2)}\n`);
  const day = results.date.slice(0, 10);
  writeFileSync(chartFile, ratioChart(report.targets, `wechat-login benchmarks: ratios vs targets (${day})`));
  console.log(`\nwrote ${resultsFile} and ${chartFile} in ${seconds.toFixed(1)} s`);
  if (failures.length > 0) console.error(`\n${failures.length} correctness check(s) failed`);
  // Timings never fail a run (a loaded CI machine is slow, not wrong); crashes and correctness checks do.
  return crashed || failures.length > 0 ? 1 : 0;
}

// Whatever happens, the run stops by itself: a hung scenario is a crash, not a wait.
const watchdog = setTimeout(() => {
  console.error(`bench: still running after ${RUN_LIMIT_MS / 1000} s, giving up`);
  finish(true);
  process.exit(3);
}, RUN_LIMIT_MS);
watchdog.unref();

const emulator = await startChild<{ url: string }>(
  fileURLToPath(new URL("./lib/emulator-process.js", import.meta.url)),
);
const base = emulator.ready.url;
console.log(`bench${quick ? " --quick" : ""}: emulator at ${base} (own process), ${cpus().length} cores`);

const token = await loginToken(base, "zhangsan");
const scenarios: [string, () => Promise<void>][] = [
  ["1 client vs raw undici", () => clientVsRaw(base, token, settings, report)],
  ["2 client vs peers", () => clientVsPeers(base, token, settings, report)],
  ["3 connection discipline", () => connectionDiscipline(base, token, settings, report)],
  ["4 refresh storm", () => refreshStorm(base, settings, report, ci)],
  ["5 login server", () => loginServer(base, settings, report, ci)],
  ["6 emulator vs bare Hono", () => emulatorSpeed(emulator, token, settings, report)],
  ["7 push receiver", () => pushReceiver(settings, report)],
  ["8 gateway", () => gatewayScenario(base, settings, report, ci)],
];

let crashed = false;
try {
  for (const [name, run] of scenarios) {
    if (only && !only.has(name.split(" ")[0]!)) continue;
    const t0 = performance.now();
    console.log(`\n> ${name}`);
    await run();
    console.log(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
} catch (error) {
  crashed = true;
  console.error("bench crashed:", error);
} finally {
  await emulator.stop();
}

clearTimeout(watchdog);
process.exitCode = finish(crashed);
