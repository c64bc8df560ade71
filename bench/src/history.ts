import { execFileSync } from "node:child_process";
import type { BenchReport } from "./report.ts";

/**
 * Every figure of a run as Registrar's share of its floor, so that higher is better on one
 * axis and 1.0 means "as fast as the floor": a read's req/s over the floor's, a write's or
 * search's floor time over Registrar's.
 */
export function sharesOf(report: BenchReport): Record<string, number> {
  const shares: Record<string, number> = {};
  for (const ratio of report.floorRatios) {
    const surface = ratio.surface === "rest" ? "REST" : "tRPC";
    shares[`${surface} read / floor`] = ratio.ratio;
    if (ratio.preparedRatio !== undefined) shares[`${surface} read / prepared floor`] = ratio.preparedRatio;
  }
  for (const write of report.writeRatios ?? []) shares["REST assign 10 / prepared floor"] = write.ratio;
  if (report.bulkAssignment) shares["raw insert / assign 1,000"] = 1 / report.bulkAssignment.ratio;
  if (report.search) shares["statement / search"] = 1 / report.search.ratio;
  if (report.idempotency) shares["plain / keyed POST"] = 1 / report.idempotency.ratio;
  return shares;
}

export type KeptRun = { label: string; shares: Record<string, number> };

/**
 * The full runs kept in git: every committed version of bench/results/latest.json, oldest
 * first. A version from a partial run (`--only`, or fewer scenarios than a full run has)
 * is left out: its figures were not measured beside the others.
 */
export function keptRuns(repoRoot: string, path = "bench/results/latest.json"): KeptRun[] {
  let commits: string[];
  try {
    commits = execFileSync("git", ["log", "--reverse", "--format=%h", "--", path], {
      cwd: repoRoot,
      encoding: "utf8",
    })
      .split("\n")
      .filter(Boolean);
  } catch {
    return [];
  }
  const runs: KeptRun[] = [];
  for (const commit of commits) {
    try {
      const text = execFileSync("git", ["show", `${commit}:${path}`], { cwd: repoRoot, encoding: "utf8" });
      const report = JSON.parse(text) as BenchReport;
      if (isPartial(report)) continue;
      runs.push({ label: `${report.finishedAt.slice(5, 10)} ${commit}`, shares: sharesOf(report) });
    } catch {
      // a version that is not a report (hand-edited, truncated) has nothing to plot
    }
  }
  return runs;
}

export function isPartial(report: BenchReport): boolean {
  return report.settings.only !== undefined || report.results.length < 12;
}

const palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"];

/** A line per figure across the kept runs (and this one), with 1.0 marked. */
export function historyChart(runs: KeptRun[]): string {
  const series = [...new Set(runs.flatMap((run) => Object.keys(run.shares)))];
  const width = 760;
  const left = 50;
  const plotWidth = 470;
  const top = 40;
  const plotHeight = 260;
  const height = top + plotHeight + 70;
  const maxShare = Math.max(1.4, ...runs.flatMap((run) => Object.values(run.shares)));
  const x = (i: number) => left + (runs.length <= 1 ? plotWidth / 2 : (i * plotWidth) / (runs.length - 1));
  const y = (share: number) => top + plotHeight - (Math.min(share, maxShare) / maxShare) * plotHeight;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-weight="bold">Registrar as a share of its floor, across the runs kept in git (higher is better)</text>`,
  ];
  for (let tick = 0; tick <= maxShare + 1e-9; tick += 0.25) {
    parts.push(
      `<line x1="${left}" x2="${left + plotWidth}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="${tick === 1 ? "#000" : "#ddd"}"/>`,
      `<text x="${left - 8}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end" fill="#555">${tick.toFixed(2)}</text>`,
    );
  }
  runs.forEach((run, i) => {
    parts.push(
      `<text transform="translate(${x(i).toFixed(1)},${top + plotHeight + 14}) rotate(30)" fill="#555">${run.label}</text>`,
    );
  });
  series.forEach((name, s) => {
    const color = palette[s % palette.length];
    const points = runs.flatMap((run, i) => {
      const share = run.shares[name];
      return share === undefined ? [] : [`${x(i).toFixed(1)},${y(share).toFixed(1)}`];
    });
    if (points.length > 1) {
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(" ")}"/>`);
    }
    for (const point of points) {
      const [px, py] = point.split(",");
      parts.push(`<circle cx="${px}" cy="${py}" r="3" fill="${color}"/>`);
    }
    const legendY = top + 10 + s * 18;
    parts.push(
      `<rect x="${left + plotWidth + 20}" y="${legendY - 9}" width="12" height="12" fill="${color}"/>`,
      `<text x="${left + plotWidth + 38}" y="${legendY + 1}">${name}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
