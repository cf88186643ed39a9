import { readFileSync } from "node:fs";

/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): the functions with the
 * most self time, and, with `--match text`, the inclusive time of the
 * functions whose location contains `text` (e.g. `dist/client/`).
 *
 *   node bench/.out/tools/profile-summary.js PROFILE.cpuprofile [--top 25] [--match dist/client/]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const [file, ...flags] = process.argv.slice(2);
if (!file) {
  console.error("usage: profile-summary PROFILE.cpuprofile [--top N] [--match TEXT]");
  process.exit(2);
}
const option = (name: string) => {
  const index = flags.indexOf(name);
  return index === -1 ? undefined : flags[index + 1];
};
const top = Number(option("--top") ?? 25);
const match = option("--match");

const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
// Sample time per node: each sample's delta is billed to the node on top of the stack.
const selfUs = new Map<number, number>();
const samples = profile.samples ?? [];
const deltas = profile.timeDeltas ?? [];
samples.forEach((id, index) => {
  selfUs.set(id, (selfUs.get(id) ?? 0) + (deltas[index] ?? 0));
});
const totalUs = profile.endTime - profile.startTime;

const label = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url
    ? `${url.replace(/^file:\/\/.*?\/(node_modules|dist|bench)\//, "$1/")}:${lineNumber + 1}`
    : "";
  return `${functionName || "(anonymous)"} ${where}`.trim();
};

const selfByLabel = new Map<string, number>();
for (const [id, us] of selfUs) {
  const name = label(byId.get(id)!);
  selfByLabel.set(name, (selfByLabel.get(name) ?? 0) + us);
}
const percent = (us: number) => `${((100 * us) / totalUs).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${(totalUs / 1e6).toFixed(1)} s sampled\n\nself time:`);
for (const [name, us] of [...selfByLabel].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${percent(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
}

if (match) {
  // Inclusive time: a node's own samples plus its subtree's, counted once per label on a stack.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const node = byId.get(at)!;
      if (!node.callFrame.url.includes(match)) continue;
      const name = label(node);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + us);
    }
  }
  console.log(`\ninclusive time of functions in *${match}*:`);
  for (const [name, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${percent(us)}  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
  }
}
