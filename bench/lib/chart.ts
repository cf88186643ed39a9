import type { Target } from "./report.js";

const xml = (text: string) => text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * A bar per ratio target (measured / wanted, so 1.0 is the target line for
 * every row whatever its direction): green met, red missed. Plain SVG, no dependency.
 */
export function ratioChart(targets: readonly Target[], title: string): string {
  const rows = targets
    .filter((target) => target.unit === "×" && target.comparator !== "==")
    .map((target) => ({
      label: `${target.scenario.split(" ")[0]} · ${target.description}`,
      // "≤" targets are inverted so that longer is always better.
      score: target.comparator.startsWith("<")
        ? target.threshold / target.measured
        : target.measured / target.threshold,
      text: `${target.measured.toFixed(2)}× (${target.comparator} ${target.threshold})`,
      met: target.met,
    }));
  const labelWidth = 430;
  const barWidth = 360;
  const rowHeight = 22;
  const top = 40;
  const maxScore = Math.max(2, ...rows.map((row) => (Number.isFinite(row.score) ? row.score : 0)));
  const scale = barWidth / maxScore;
  const height = top + rows.length * rowHeight + 30;
  const width = labelWidth + barWidth + 160;
  const bars = rows.map((row, index) => {
    const y = top + index * rowHeight;
    const length = Math.max(1, Math.min(barWidth, (Number.isFinite(row.score) ? row.score : 0) * scale));
    return [
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${xml(row.label)}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${length.toFixed(1)}" height="${rowHeight - 6}" fill="${row.met ? "#2e7d32" : "#c62828"}"/>`,
      `<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 15}">${xml(row.text)}</text>`,
    ].join("");
  });
  const targetX = labelWidth + scale;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<title>${xml(title)}</title>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${xml(title)}</text>`,
    ...bars,
    `<line x1="${targetX}" y1="${top - 4}" x2="${targetX}" y2="${height - 26}" stroke="#333" stroke-dasharray="4 3"/>`,
    `<text x="${targetX}" y="${height - 10}" text-anchor="middle">target</text>`,
    "</svg>",
    "",
  ].join("\n");
}
