/**
 * `pnpm bench`: Registrar on PostgreSQL under load, against the floor (node:http + pg).
 * See bench/README.md for what it measures and how to read it.
 */
import { cpus, platform, release } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import pg from "pg";
import { type BulkComparison, compareBulkAssignment } from "./bulk.ts";
import { type ColdStart, measureColdStart } from "./cold-start.ts";
import {
  createBenchDatabase,
  DATASETS,
  defaultFreshStudents,
  dropBenchDatabase,
  prepareRemovals,
  type Scale,
  seed,
} from "./dataset.ts";
import { combine, type LoadResult, type LoadSettings, measure, measureOnce, settle, warmUp } from "./load.ts";
import {
  benchServerEnv,
  floorEntry,
  repoRoot,
  type ServerProcess,
  serverEntry,
  startServer,
} from "./processes.ts";
import {
  type BenchReport,
  type FloorRatio,
  formatSummary,
  formatTable,
  type WriteRatio,
  writeReport,
} from "./report.ts";
import { compareScales, formatScaleComparison } from "./scales.ts";
import {
  type FreshStudentPlan,
  floorComparison,
  otherScenarios,
  type Target,
  writeFloorComparison,
} from "./scenarios.ts";
import { checkSeedMatchesTriggers } from "./seed-check.ts";
import {
  compareIdempotency,
  compareSearch,
  type IdempotencyComparison,
  type SearchComparison,
} from "./sequential.ts";

const targets: Target[] = ["registrar", "floor", "floor-prepared"];

const { values: flags } = parseArgs({
  options: {
    connections: { type: "string", default: "16" },
    duration: { type: "string", default: "8" },
    warmup: { type: "string", default: "2" },
    pool: { type: "string", default: "8" },
    /** standard (10,000 students, 100,000 enrollments) or large (100,000 and 1,000,000). */
    scale: { type: "string", default: "standard" },
    /** Students without enrollments after the seeded ones (default: `defaultFreshStudents`). */
    "fresh-students": { type: "string" },
    /**
     * Instead of everything else: the read scenarios on the standard and the large set at
     * once, `--processes` servers on each, in alternating segments (bench/src/scales.ts).
     */
    "compare-scales": { type: "boolean", default: false },
    /** With --compare-scales: server processes per scale, one measured segment each. */
    processes: { type: "string", default: "3" },
    /**
     * Comma-separated parts to run, for profiling rounds: scenario keys (student-courses,
     * course-roster, list-students-first, list-students-deep, assign-10, assign-1000,
     * remove-enrollment), "bulk" (1,000 courses vs raw insert), "search" (GET /students?q=
     * vs its statement), "idempotency" (POST with and without a key), "cold-start".
     * Default: all.
     */
    only: { type: "string" },
    /** Write a V8 CPU profile of the Registrar server to bench/results/. */
    profile: { type: "boolean", default: false },
    "keep-database": { type: "boolean", default: false },
    /** The server's LOG_LEVEL: info (the default of `pnpm start`) writes an access-log line per request. */
    "log-level": { type: "string", default: "info" },
  },
});

// The bench is harness code: it reads its PostgreSQL from the environment like the test
// runner does (TEST_POSTGRES_URL), nothing else.
const adminUrl =
  process.env.BENCH_POSTGRES_URL ??
  process.env.TEST_POSTGRES_URL ??
  "postgres://postgres@127.0.0.1:5432/postgres";

const settings: LoadSettings = {
  connections: Number(flags.connections),
  durationSeconds: Number(flags.duration),
  warmupSeconds: Number(flags.warmup),
};
const poolMax = Number(flags.pool);
if (!(flags.scale === "standard" || flags.scale === "large")) {
  throw new Error(`--scale must be standard or large, not ${flags.scale}`);
}
const shape = DATASETS[flags.scale as Scale];
const freshStudents = Number(flags["fresh-students"] ?? defaultFreshStudents[shape.scale]);
const resultsDir = join(repoRoot, "bench", "results");
// Rounds of the bulk comparison: the first few warm the code paths on both sides (JIT,
// plan and buffer caches) and are not counted, as in the load scenarios' warm-up.
const bulkWarmupRounds = 3;
const bulkRounds = 10 + bulkWarmupRounds;
const only = flags.only?.split(",").map((part) => part.trim());
const wanted = (part: string) => only === undefined || only.includes(part);

function pnpmCommand(): string[] {
  // Under `pnpm bench`, npm_execpath is the pnpm that runs us; else pnpm from PATH.
  const execPath = process.env.npm_execpath;
  if (execPath && /pnpm/.test(execPath)) {
    return /\.(c|m)?js$/.test(execPath) ? [process.execPath, execPath] : [execPath];
  }
  return ["pnpm"];
}

function log(message: string): void {
  console.error(`[bench +${((performance.now() - startedAt) / 1000).toFixed(0)}s] ${message}`);
}

async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ server_version: string }>("show server_version");
    return `PostgreSQL ${result.rows[0]?.server_version ?? "?"}`;
  } finally {
    await client.end();
  }
}

/**
 * The floors are only a yardstick while they answer what Registrar answers: the same body,
 * byte for byte, on both surfaces, for a few students (first, middle and last seeded).
 */
async function expectSameAnswers(servers: Record<Target, ServerProcess>): Promise<void> {
  for (const studentId of [1, shape.students / 2, shape.students]) {
    for (const path of [
      `/students/${studentId}/courses`,
      `/trpc/enrollments.list?input=${encodeURIComponent(JSON.stringify({ studentId }))}`,
    ]) {
      const bodies = await Promise.all(
        targets.map(async (target) => (await fetch(`${servers[target].baseUrl}${path}`)).text()),
      );
      if (new Set(bodies).size !== 1) {
        throw new Error(
          `the floors answer ${path} otherwise than Registrar:\n${targets.map((t, i) => `${t}: ${bodies[i]}`).join("\n")}`,
        );
      }
    }
  }
}

const startedAt = performance.now();
if (flags["compare-scales"]) {
  const { comparison, failed } = await compareScales({
    adminUrl,
    settings,
    poolMax,
    logLevel: flags["log-level"],
    resultsDir,
    processes: Number(flags.processes),
    log,
  });
  console.log(`\n${formatScaleComparison(comparison)}\n\nwritten: bench/results/scales.json`);
  process.exit(failed ? 1 : 0);
}
const databaseName = `registrar_bench_${process.pid}`;
const running: ServerProcess[] = [];
let failed = false;

try {
  log(`creating ${databaseName} and seeding`);
  const url = await createBenchDatabase(adminUrl, databaseName);
  await checkSeedMatchesTriggers(adminUrl, databaseName);
  const dataset = await seed(url, shape, freshStudents);
  log(
    `seeded ${shape.students} students (+${dataset.freshStudents.last - dataset.freshStudents.first + 1} fresh), ` +
      `${shape.courses + shape.extraCourses} courses, ${dataset.enrollments} enrollments in ${(dataset.seedMs / 1000).toFixed(1)} s ` +
      `(${Object.entries(dataset.seedSteps)
        .map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`)
        .join(", ")})`,
  );

  // Every server: own process, same database, same pool size, the same --log-level.
  const serverEnv = benchServerEnv({ databaseUrl: url, poolMax, logLevel: flags["log-level"] });
  const profileFlags = (name: string) =>
    // One folder per server: tsx's loader thread writes a (small) profile of its own.
    flags.profile ? ["--cpu-prof", `--cpu-prof-dir=${join(resultsDir, "profiles", name)}`] : [];
  const registrar = await startServer({
    name: "registrar",
    entry: serverEntry,
    env: serverEnv,
    nodeFlags: profileFlags("registrar"),
  });
  running.push(registrar);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idleRssBytes = registrar.rss();

  let underLoadRssBytes = 0;
  const sampler = setInterval(() => {
    underLoadRssBytes = Math.max(underLoadRssBytes, registrar.rss());
  }, 250);

  // Fresh students, from the end: the bulk comparison's, then 15,000 for the removal
  // scenarios (150,000 enrollments), 15,000 for the write floor comparison, the rest one
  // per assignment request.
  const { first: firstFresh, last: lastFresh } = dataset.freshStudents;
  const bulkStudents = Array.from({ length: 2 * bulkRounds }, (_, i) => lastFresh - i);
  const removalLast = lastFresh - 2 * bulkRounds;
  const plan: FreshStudentPlan = {
    removal: { first: removalLast - 15_000 + 1, last: removalLast },
    writeFloor: { first: removalLast - 30_000 + 1, last: removalLast - 15_000 },
    assign: { first: firstFresh, last: removalLast - 30_000 },
  };

  const results: LoadResult[] = [];
  const floorRatios: FloorRatio[] = [];
  const writeRatios: WriteRatio[] = [];
  if (wanted("student-courses") || wanted("assign-10")) {
    const floors = {
      floor: await startServer({
        name: "floor",
        entry: floorEntry,
        env: serverEnv,
        nodeFlags: profileFlags("floor"),
      }),
      "floor-prepared": await startServer({
        name: "floor-prepared",
        entry: floorEntry,
        env: { ...serverEnv, FLOOR_PREPARED: "1" },
        nodeFlags: profileFlags("floor-prepared"),
      }),
    };
    running.push(floors.floor, floors["floor-prepared"]);
    const servers = { registrar, ...floors };
    await expectSameAnswers(servers);
    for (const scenarios of wanted("student-courses") ? floorComparison(shape) : []) {
      const surface = scenarios.registrar.surface;
      log(`${scenarios.registrar.title}, ${surface}: registrar and both floors, alternating`);
      for (const target of targets) await warmUp(scenarios[target], servers[target], settings);
      // Registrar, floor, prepared floor, then the same backwards, half the duration each:
      // each server gets half its time early and half late, so whatever else the machine
      // does meanwhile weighs on all three alike.
      const half = settings.durationSeconds / 2;
      const segments: Record<Target, LoadResult[]> = { registrar: [], floor: [], "floor-prepared": [] };
      for (const target of [...targets, ...[...targets].reverse()]) {
        segments[target].push(await measureOnce(scenarios[target], servers[target], settings, half));
        await settle();
      }
      const combined = {
        registrar: combine(segments.registrar),
        floor: combine(segments.floor),
        "floor-prepared": combine(segments["floor-prepared"]),
      };
      results.push(combined.registrar, combined.floor, combined["floor-prepared"]);
      const mine = combined.registrar;
      floorRatios.push({
        surface,
        registrarRps: mine.requestsPerSecond,
        floorRps: combined.floor.requestsPerSecond,
        ratio: mine.requestsPerSecond / combined.floor.requestsPerSecond,
        cpuRatio: combined.floor.serverCpuUsPerRequest / mine.serverCpuUsPerRequest,
        preparedFloorRps: combined["floor-prepared"].requestsPerSecond,
        preparedRatio: mine.requestsPerSecond / combined["floor-prepared"].requestsPerSecond,
        target: surface === "rest" ? 0.85 : 0.8,
      });
    }
    if (wanted("assign-10")) {
      const writes = writeFloorComparison(shape, plan.writeFloor);
      log(`${writes.registrar.title}, rest: registrar and the prepared floor, alternating`);
      const sides = ["registrar", "floor-prepared"] as const;
      for (const side of sides) await warmUp(writes[side], servers[side], settings);
      const half = settings.durationSeconds / 2;
      const segments: Record<(typeof sides)[number], LoadResult[]> = { registrar: [], "floor-prepared": [] };
      for (const side of [...sides, ...[...sides].reverse()]) {
        segments[side].push(await measureOnce(writes[side], servers[side], settings, half));
        await settle();
      }
      const mine = combine(segments.registrar);
      const floor = combine(segments["floor-prepared"]);
      results.push(mine, floor);
      writeRatios.push({
        scenario: "assign-10",
        registrarRps: mine.requestsPerSecond,
        preparedFloorRps: floor.requestsPerSecond,
        ratio: mine.requestsPerSecond / floor.requestsPerSecond,
        cpuRatio: floor.serverCpuUsPerRequest / mine.serverCpuUsPerRequest,
        target: 0.5,
      });
    }
    for (const floor of Object.values(floors)) {
      await floor.stop();
      running.splice(running.indexOf(floor), 1);
    }
  }

  let removalsReady = false;
  for (const scenario of otherScenarios(shape, plan)) {
    if (scenario.key === "remove-enrollment" && !removalsReady && wanted(scenario.key)) {
      const added = await prepareRemovals(url, shape, plan.removal.first, plan.removal.last);
      log(`prepared ${added} enrollments to remove`);
      removalsReady = true;
    }
    if (wanted(scenario.key)) {
      log(`${scenario.title}, ${scenario.surface}`);
      results.push(await measure(scenario, registrar, settings));
      await settle();
    }
  }
  clearInterval(sampler);

  let search: SearchComparison | undefined;
  if (wanted("search")) {
    const students = shape.students + freshStudents;
    log(`GET /students?q= at ${students} students vs its statement, one at a time`);
    search = await compareSearch(registrar.baseUrl, url, students, 400, 40);
  }
  let idempotency: IdempotencyComparison | undefined;
  if (wanted("idempotency")) {
    log("POST /students with and without an Idempotency-Key, one at a time");
    idempotency = await compareIdempotency(registrar.baseUrl, 300, 30);
  }

  let bulkAssignment: BulkComparison | undefined;
  if (wanted("bulk")) {
    log("assign 1,000 courses vs a raw INSERT ... SELECT, one at a time");
    bulkAssignment = await compareBulkAssignment(registrar.baseUrl, url, bulkStudents, bulkWarmupRounds);
  }

  await registrar.stop();
  running.splice(running.indexOf(registrar), 1);

  let coldStart: ColdStart | undefined;
  if (wanted("cold-start")) {
    log("cold start on an existing PGlite directory");
    coldStart = await measureColdStart(pnpmCommand());
  }

  const cpu = cpus();
  const report: BenchReport = {
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: cpu.length,
      cpuModel: cpu[0]?.model.trim() ?? "?",
      node: process.version,
      platform: `${platform()} ${release()}`,
      postgres: await postgresVersion(adminUrl),
    },
    settings: { ...settings, poolMax, logLevel: flags["log-level"], ...(only && { only }) },
    dataset: { ...dataset },
    results,
    floorRatios,
    writeRatios,
    bulkAssignment,
    search,
    idempotency,
    memory: { idleRssBytes, underLoadRssBytes },
    coldStart,
    totalSeconds: (performance.now() - startedAt) / 1000,
  };
  const written = writeReport(resultsDir, report, repoRoot);
  console.log(`\n${formatTable(results)}\n\n${formatSummary(report)}\n`);
  console.log(`written: ${written.map((file) => join("bench", "results", file)).join(", ")}`);

  const faulty = results.filter((result) => result.errors > 0);
  for (const result of faulty) {
    console.error(
      `FAILED: ${result.title} (${result.surface}, ${result.target}): ${result.note ?? "errors"}`,
    );
  }
  failed = faulty.length > 0;
} catch (error) {
  console.error(error);
  failed = true;
} finally {
  for (const server of running) await server.stop();
  if (!flags["keep-database"]) await dropBenchDatabase(adminUrl, databaseName).catch(() => undefined);
}
process.exit(failed ? 1 : 0);
