import { createDatabase, type Database } from "@registrar/db";
import {
  createTestDatabase,
  databaseUrl,
  type TestDatabase,
  testDatabaseTarget,
} from "@registrar/db/testing";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { TcpProxy } from "./tcp-proxy.ts";

/**
 * The database goes away under load and comes back: the server stays up, answers 503
 * `service_unavailable` with Retry-After (never a 500, never a hang), `/health/ready` turns
 * 503, it recovers by itself within 5 s, and no enrollment is ever half written.
 *
 * The app talks to PostgreSQL through a TCP proxy owned by this file, so "the database is
 * gone" is simulated without stopping the shared cluster; `pg_terminate_backend` is only
 * ever aimed at this file's own database.
 */

const target = testDatabaseTarget();

// Short timeouts so that the bounds are reached in seconds; production defaults are longer.
const timeouts = {
  connectTimeoutMs: 1_000,
  statementTimeoutMs: 2_000,
  queryTimeoutMs: 3_000,
  acquireTimeoutMs: 3_000,
};
/** A request still unanswered after this long counts as hung. */
const HANG_MS = 15_000;
const RECOVERY_BOUND_MS = 5_000;
const STUDENTS = 20_000;

type Outcome = { status: number; code: string | undefined; retryAfter: string | null; ms: number };

if (target.kind === "pglite") {
  describe("database outage: does not apply on PGlite (embedded in the process, no connection to lose; runs with REGISTRAR_TEST_DB=postgres)", () => {
    it("prints why it does not run here", () => {
      console.log(
        "NOTICE: the database outage tests run only on PostgreSQL (REGISTRAR_TEST_DB=postgres): " +
          "embedded PGlite lives in the server's process and cannot be cut off from it.",
      );
      expect(target.kind).toBe("pglite");
    });
  });
} else {
  describe("database outage (PostgreSQL through a TCP proxy)", () => {
    let database: TestDatabase;
    let proxy: TcpProxy;
    let appDb: Database;
    let app: ReturnType<typeof createApp>;
    let courseA: number;
    let courseB: number;
    let nextStudent = 1;
    const serverErrors: string[] = [];

    beforeAll(async () => {
      database = await createTestDatabase();
      const url = database.url;
      if (!url) throw new Error("a PostgreSQL test database has a URL");
      const upstream = new URL(url);
      proxy = await TcpProxy.start({ host: upstream.hostname, port: Number(upstream.port || 5432) });
      // knex's warnings about lost connections are expected here; keep them off the console.
      const log = { warn: () => {}, error: () => {} };
      appDb = createDatabase({ kind: "postgres", url: proxy.urlFor(url), poolMax: 4, log, ...timeouts });
      // What the server logs about its 5xx answers, shown when a test finds a 500.
      const logger = pino({ level: "error" }, { write: (line: string) => void serverErrors.push(line) });
      app = createApp({ db: appDb, logger });
      const [a, b] = await database
        .db("courses")
        .insert([
          { name: "Algebra", level: "1", capacity: 100_000 },
          { name: "Biology", level: "1", capacity: 100_000 },
        ])
        .returning("id");
      courseA = a.id;
      courseB = b.id;
      await database.db.raw(
        "insert into students (name, email) select 'S' || n, 's' || n || '@outage.test' from generate_series(1, ?) n",
        [STUDENTS],
      );
      const first = await database.db.raw<{ rows: Array<{ id: number }> }>(
        "select min(id) as id from students",
      );
      nextStudent = first.rows[0]?.id ?? 1;
    });

    afterAll(async () => {
      await appDb?.destroy();
      await proxy?.close();
      await database?.drop();
    });

    async function call(path: string, init?: RequestInit): Promise<Outcome> {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const hung = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${path} hung for ${HANG_MS} ms`)), HANG_MS);
      });
      try {
        const response = await Promise.race([app.request(path, init), hung]);
        const text = await response.text();
        let code: string | undefined;
        if (response.status >= 400) {
          expect(response.headers.get("content-type")).toBe("application/problem+json");
          code = (JSON.parse(text) as { code?: string }).code;
        }
        return {
          status: response.status,
          code,
          retryAfter: response.headers.get("retry-after"),
          ms: performance.now() - started,
        };
      } finally {
        clearTimeout(timer);
      }
    }

    /** Enrolls the next student in both courses: two rows that must appear together or not at all. */
    function enrollNext(): Promise<Outcome> {
      const student = nextStudent++;
      return call(`/students/${student}/courses`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ course_ids: [courseA, courseB] }),
      });
    }

    function readSome(): Promise<Outcome> {
      return call(`/courses/${courseA}/students?limit=20`);
    }

    /** `workers` loops of enroll+read until `stop()` resolves; every outcome collected. */
    async function underLoad<T>(
      workers: number,
      during: () => Promise<T>,
    ): Promise<{ outcomes: Outcome[]; result: T }> {
      const outcomes: Outcome[] = [];
      let running = true;
      const loops = Array.from({ length: workers }, async (_, worker) => {
        while (running) {
          outcomes.push(await (worker % 4 === 3 ? readSome() : enrollNext()));
        }
      });
      try {
        const result = await during();
        return { outcomes, result };
      } finally {
        running = false;
        await Promise.all(loops);
      }
    }

    function expectOnlySuccessOr503(outcomes: Outcome[]): void {
      for (const outcome of outcomes) {
        if (outcome.status < 300) continue;
        if (outcome.status === 500)
          console.error(
            serverErrors
              .filter((line) => line.includes('"internal_error"') || line.includes("request failed"))
              .slice(0, 3)
              .join("\n"),
          );
        expect(outcome).toMatchObject({ status: 503, code: "service_unavailable" });
        expect(outcome.retryAfter).toMatch(/^\d+$/);
      }
    }

    async function waitFor(condition: () => Promise<boolean>, boundMs: number): Promise<number> {
      const started = performance.now();
      while (performance.now() - started < boundMs) {
        if (await condition()) return performance.now() - started;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`not recovered within ${boundMs} ms`);
    }

    /** Time from the database's return until readiness and an enrollment both succeed. */
    async function measureRecovery(label: string): Promise<number> {
      const ms = await waitFor(async () => {
        const ready = await call("/health/ready");
        if (ready.status !== 200) return false;
        return (await enrollNext()).status === 201;
      }, RECOVERY_BOUND_MS);
      console.log(`[outage] ${label}: recovered ${Math.round(ms)} ms after the database came back`);
      return ms;
    }

    async function expectNoPartialEnrollment(): Promise<void> {
      const partial = await database.db.raw<{ rows: Array<{ studentId: number }> }>(
        `select student_id as "studentId" from student_courses
         group by student_id having count(*) <> 2`,
      );
      expect(partial.rows).toEqual([]);
    }

    function summary(outcomes: Outcome[]): string {
      const ok = outcomes.filter((outcome) => outcome.status < 300).length;
      const unavailable = outcomes.filter((outcome) => outcome.status === 503).length;
      const slowest = Math.max(0, ...outcomes.map((outcome) => outcome.ms));
      return `${outcomes.length} requests: ${ok} ok, ${unavailable} 503, slowest ${Math.round(slowest)} ms`;
    }

    it("serves normally through the proxy", async () => {
      expect((await call("/health/ready")).status).toBe(200);
      expect((await enrollNext()).status).toBe(201);
    });

    it("database dies mid-load (connections reset): 503 with Retry-After, ready 503, recovers within 5 s", async () => {
      const { outcomes, result: recoveryMs } = await underLoad(8, async () => {
        await waitFor(
          async () => (await database.db("student_courses").count({ n: "*" }))[0]?.n !== "0",
          5_000,
        );
        await new Promise((resolve) => setTimeout(resolve, 300));
        proxy.cut();
        // The server keeps answering while the database is gone.
        await waitFor(async () => (await call("/health/ready")).status === 503, 5_000);
        const during = await Promise.all([enrollNext(), readSome(), call("/health/live")]);
        expect(during[0]).toMatchObject({ status: 503, code: "service_unavailable" });
        expect(during[1]).toMatchObject({ status: 503, code: "service_unavailable" });
        expect(during[2].status).toBe(200);
        // tRPC reports the same fault: SERVICE_UNAVAILABLE with the problem at data.problem.
        const trpc = await app.request(
          `/trpc/courses.byId?input=${encodeURIComponent(JSON.stringify({ id: courseA }))}`,
        );
        expect(trpc.status).toBe(503);
        // when to retry, as REST says it: the header, and the problem's member
        expect(trpc.headers.get("retry-after")).toBe(during[1].retryAfter);
        expect(await trpc.json()).toMatchObject({
          error: {
            data: {
              code: "SERVICE_UNAVAILABLE",
              problem: { code: "service_unavailable", retryAfter: Number(during[1].retryAfter) },
            },
          },
        });
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        proxy.restore();
        return measureRecovery("connections reset");
      });
      console.log(`[outage] connections reset: ${summary(outcomes)}`);
      expectOnlySuccessOr503(outcomes);
      expect(outcomes.some((outcome) => outcome.status === 503)).toBe(true);
      expect(recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
      await expectNoPartialEnrollment();
    });

    it("network partition (nothing answers): every request ends within the timeouts, then recovers within 5 s", async () => {
      const { outcomes, result: recoveryMs } = await underLoad(8, async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        proxy.freeze();
        await waitFor(async () => (await call("/health/ready")).status === 503, 5_000);
        // Long enough for every in-flight query to reach its timeout.
        await new Promise((resolve) => setTimeout(resolve, timeouts.queryTimeoutMs + 1_000));
        proxy.restore();
        return measureRecovery("network partition");
      });
      console.log(`[outage] network partition: ${summary(outcomes)}`);
      expectOnlySuccessOr503(outcomes);
      expect(outcomes.some((outcome) => outcome.status === 503)).toBe(true);
      expect(recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
      await expectNoPartialEnrollment();
    });

    it("backends terminated again and again (pg_terminate_backend on this database only): never a 500", async () => {
      const name = new URL(database.url ?? "").pathname.slice(1);
      const admin = createDatabase({
        kind: "postgres",
        url: databaseUrl(database.url ?? "", "postgres"),
        poolMax: 1,
      });
      try {
        const { outcomes } = await underLoad(8, async () => {
          for (let round = 0; round < 10; round++) {
            await new Promise((resolve) => setTimeout(resolve, 150));
            await admin.raw(
              `select pg_terminate_backend(pid) from pg_stat_activity
               where datname = ? and application_name = 'registrar' and pid <> pg_backend_pid()`,
              [name],
            );
          }
        });
        console.log(`[outage] backends terminated x10: ${summary(outcomes)}`);
        expectOnlySuccessOr503(outcomes);
        expect(outcomes.some((outcome) => outcome.status < 300)).toBe(true);
      } finally {
        await admin.destroy();
      }
      // The test's own connection was among the terminated ones; the pool replaces it.
      await measureRecovery("backends terminated");
      await expectNoPartialEnrollment();
    });
  });
}
