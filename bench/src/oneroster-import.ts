/**
 * Times the OneRoster import (what POST /oneroster/imports runs, without HTTP: the package
 * as a stream of the file's bytes, as the route hands the request body) at issue 14's
 * scale: the package of oneroster-dataset.ts (10,000 students, 1,000 classes, 100,000
 * student enrollments), on an empty database: a dry run, the apply, then the same package
 * again, which must change nothing (no row counted as created, updated or dropped, no
 * history entry, no event). Prints each phase's time, the peak RSS and heap sampled during
 * it, and the process's peak RSS (resourceUsage().maxRSS). The issue's targets: apply under
 * 60 s on PGlite and under 30 s on PostgreSQL, a dry run under 20 s, in bounded memory.
 *
 *   pnpm --filter @registrar/bench exec tsx --expose-gc src/oneroster-import.ts  # PGlite, in memory
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     pnpm --filter @registrar/bench exec tsx --expose-gc src/oneroster-import.ts  # a scratch database there
 *
 * On PostgreSQL it creates and drops its own database next to the one named. Exits 1 when
 * the re-import changed anything or a phase reported errors.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { importOneRoster, type OneRosterImportReport } from "@registrar/core";
import { type Database, migrateToLatest } from "@registrar/db";
import { DATASET, writeOneRosterDataset } from "./oneroster-dataset.ts";
import { withScratchDatabase } from "./scratch-database.ts";

const database = process.env.DATABASE_URL ? "postgres" : "pglite";
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

/** Runs `phase`, sampling RSS and heap every 20 ms (and at its end): its time and peaks. */
async function measured<T>(phase: () => Promise<T>) {
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sample = () => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  };
  const timer = setInterval(sample, 20);
  const started = performance.now();
  try {
    const result = await phase();
    const seconds = (performance.now() - started) / 1000;
    sample();
    return { result, seconds, peakRss, peakHeap };
  } finally {
    clearInterval(timer);
  }
}

async function counts(db: Database): Promise<Record<string, number>> {
  const tables = ["students", "courses", "terms", "student_courses", "enrollment_history", "events"];
  const answer: Record<string, number> = {};
  for (const table of tables) {
    const [row] = (await db(table).count({ count: "*" })) as Array<{ count: number | string }>;
    answer[table] = Number(row?.count ?? 0);
  }
  return answer;
}

const changed = (report: OneRosterImportReport) =>
  Object.values(report.summary).reduce((sum, c) => sum + c.created + c.updated + c.dropped, 0);

const directory = await mkdtemp(join(tmpdir(), "registrar-bench-oneroster-"));
const path = join(directory, "oneroster-100k.zip");
let failed = false;
try {
  const zipBytes = await writeOneRosterDataset(path);
  console.log(
    `${database}: package of ${DATASET.students} students, ${DATASET.classes} classes, ` +
      `${DATASET.students * DATASET.perStudent} student enrollments: ${zipBytes} bytes zipped`,
  );
  await withScratchDatabase("import", async (db) => {
    await migrateToLatest(db);
    const phases: Array<[string, boolean]> = [
      ["dry run", true],
      ["apply", false],
      ["re-import", false],
    ];
    for (const [name, dryRun] of phases) {
      const before = await counts(db);
      global.gc?.();
      const {
        result: report,
        seconds,
        peakRss,
        peakHeap,
      } = await measured(async () =>
        importOneRoster(db, Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>, { dryRun }),
      );
      const after = await counts(db);
      const e = report.summary.enrollments;
      console.log(
        `${database} ${name.padEnd(9)} ${seconds.toFixed(2).padStart(6)} s  peak RSS ${mib(peakRss)}, ` +
          `peak heap ${mib(peakHeap)}  enrollments ${e.created} created, ${e.updated} updated, ` +
          `${e.unchanged} unchanged, ${e.dropped} dropped; students ${report.summary.students.created} created; ` +
          `${report.errors.length} errors`,
      );
      if (report.errors.length > 0) {
        failed = true;
        console.log(report.errors.slice(0, 5));
      }
      const wrote = JSON.stringify(before) !== JSON.stringify(after);
      if ((dryRun && wrote) || (name === "re-import" && (wrote || changed(report) > 0))) {
        failed = true;
        console.log(`${name} changed something:`, { before, after, summary: report.summary });
      }
    }
  });
} finally {
  await rm(directory, { recursive: true, force: true });
}
console.log(`${database}: process peak RSS (maxRSS) ${mib(process.resourceUsage().maxRSS * 1024)}`);
if (failed) process.exitCode = 1;
