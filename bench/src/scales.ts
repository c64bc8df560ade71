import { writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import {
  createBenchDatabase,
  DATASETS,
  type Dataset,
  defaultFreshStudents,
  dropBenchDatabase,
  seed,
} from "./dataset.ts";
import { combine, type LoadResult, type LoadSettings, measureOnce, settle, warmUp } from "./load.ts";
import { benchServerEnv, type ServerProcess, serverEntry, startServer } from "./processes.ts";
import { readScenarios } from "./scenarios.ts";

/** One read at both scales, measured in alternating segments of one run. */
export type ScaleRatio = {
  key: string;
  title: string;
  surface: "rest" | "trpc";
  standard: LoadResult;
  large: LoadResult;
  /** large / standard requests per second (target ≥ 0.85). */
  ratio: number;
  /** standard / large server CPU per request: below 1 when a large-scale request costs more. */
  cpuRatio: number;
};

export type ScaleComparison = {
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; node: string };
  settings: LoadSettings & { poolMax: number; logLevel: string; processes: number };
  datasets: { standard: Dataset; large: Dataset };
  reads: ScaleRatio[];
  totalSeconds: number;
};

/**
 * `pnpm bench --compare-scales`: the standard and the large data set each in a database of
 * its own, `processes` Registrar servers on each, and every read scenario run on all of them
 * in alternating segments (standard 1, large 1, large 2, standard 2, standard 3, large 3: one
 * segment a server, the duration shared out), so the machine's drift weighs on both scales
 * alike. Two separate runs of `--scale` drifted 7-31% in the server's own CPU per request
 * between them, more than the 15% the target allows; and two server processes answering the
 * same requests differ by up to ~20% in CPU per request for as long as they live, so one
 * process a scale put that difference into the ratio.
 */
export async function compareScales(options: {
  adminUrl: string;
  settings: LoadSettings;
  poolMax: number;
  logLevel: string;
  resultsDir: string;
  /** Server processes per scale. */
  processes: number;
  log(message: string): void;
}): Promise<{ comparison: ScaleComparison; failed: boolean }> {
  const started = performance.now();
  const { settings, log } = options;
  const names = {
    standard: `registrar_bench_std_${process.pid}`,
    large: `registrar_bench_large_${process.pid}`,
  };
  const running: ServerProcess[] = [];
  try {
    const datasets = {} as ScaleComparison["datasets"];
    const servers: Record<"standard" | "large", ServerProcess[]> = { standard: [], large: [] };
    for (const scale of ["standard", "large"] as const) {
      log(`creating ${names[scale]} and seeding the ${scale} set`);
      const url = await createBenchDatabase(options.adminUrl, names[scale]);
      // the fresh students too: the lists page through the same students table as in a full run
      datasets[scale] = await seed(url, DATASETS[scale], defaultFreshStudents[scale]);
      log(
        `seeded ${datasets[scale].enrollments} enrollments in ${(datasets[scale].seedMs / 1000).toFixed(1)} s`,
      );
      for (let number = 1; number <= options.processes; number++) {
        const server = await startServer({
          name: `registrar (${scale} ${number})`,
          entry: serverEntry,
          env: benchServerEnv({ databaseUrl: url, poolMax: options.poolMax, logLevel: options.logLevel }),
        });
        running.push(server);
        servers[scale].push(server);
      }
    }
    // the same reads at each scale, in the same order (the scale decides their ids)
    const largeReads = readScenarios(DATASETS.large);
    const readPairs = readScenarios(DATASETS.standard).map((standard, index) => {
      const large = largeReads[index];
      if (large?.key !== standard.key || large.surface !== standard.surface)
        throw new Error(`no large-scale twin of ${standard.key} (${standard.surface})`);
      return { standard, large };
    });
    const segmentSeconds = settings.durationSeconds / options.processes;
    const reads: ScaleRatio[] = [];
    // standard 1, large 1, large 2, standard 2, standard 3, ...: each scale early and late alike
    const order = servers.standard.flatMap((standardServer, slot) => {
      const largeServer = servers.large[slot];
      if (!largeServer) throw new Error(`no large-scale server ${slot + 1}`);
      const pair = [
        { scale: "standard" as const, server: standardServer },
        { scale: "large" as const, server: largeServer },
      ];
      return slot % 2 === 0 ? pair : pair.reverse();
    });
    for (const scenarios of readPairs) {
      const { key, title, surface } = scenarios.standard;
      log(`${title}, ${surface}: standard and large, alternating`);
      for (const { scale, server } of order) await warmUp(scenarios[scale], server, settings);
      const segments: Record<"standard" | "large", LoadResult[]> = { standard: [], large: [] };
      for (const { scale, server } of order) {
        segments[scale].push(await measureOnce(scenarios[scale], server, settings, segmentSeconds));
        await settle();
      }
      const standard = combine(segments.standard);
      const large = combine(segments.large);
      reads.push({
        key,
        title,
        surface,
        standard,
        large,
        ratio: large.requestsPerSecond / standard.requestsPerSecond,
        cpuRatio: standard.serverCpuUsPerRequest / large.serverCpuUsPerRequest,
      });
    }
    const cpu = cpus();
    const comparison: ScaleComparison = {
      finishedAt: new Date().toISOString(),
      machine: { cpus: cpu.length, cpuModel: cpu[0]?.model.trim() ?? "?", node: process.version },
      settings: {
        ...settings,
        poolMax: options.poolMax,
        logLevel: options.logLevel,
        processes: options.processes,
      },
      datasets,
      reads,
      totalSeconds: (performance.now() - started) / 1000,
    };
    writeFileSync(join(options.resultsDir, "scales.json"), `${JSON.stringify(comparison, null, 2)}\n`);
    const failed = reads.some((read) => read.standard.errors + read.large.errors > 0);
    return { comparison, failed };
  } finally {
    for (const server of running) await server.stop();
    for (const name of Object.values(names))
      await dropBenchDatabase(options.adminUrl, name).catch(() => undefined);
  }
}

/** The comparison as a table, one row per read and surface. */
export function formatScaleComparison(comparison: ScaleComparison): string {
  const { standard, large } = comparison.datasets;
  const lines = [
    `Reads at the large scale (${large.students} students, ${large.enrollments} enrollments) against the standard (${standard.students}, ${standard.enrollments}), alternating segments of one run:`,
    "",
    "| read | surface | std req/s | large req/s | large/std (target ≥ 0.85) | CPU µs/req std → large | by CPU |",
    "|---|---|--:|--:|--:|--:|--:|",
  ];
  for (const read of comparison.reads) {
    const verdict = read.ratio >= 0.85 ? "ok" : "BELOW";
    lines.push(
      `| ${read.title} | ${read.surface === "rest" ? "REST" : "tRPC"} | ${read.standard.requestsPerSecond.toFixed(0)} | ${read.large.requestsPerSecond.toFixed(0)} | ${read.ratio.toFixed(2)} ${verdict} | ${read.standard.serverCpuUsPerRequest.toFixed(0)} → ${read.large.serverCpuUsPerRequest.toFixed(0)} | ${read.cpuRatio.toFixed(2)} |`,
    );
  }
  return lines.join("\n");
}
