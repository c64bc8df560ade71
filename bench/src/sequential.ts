import pg from "pg";

/** Latency of one request at a time, in ms. */
export type Latency = { p50: number; p95: number };

/**
 * `GET /students?q=` at the seeded size against its floor: the same statement sent by a
 * `pg` client in this process (what any server must at least spend on it), unnamed as
 * Registrar sends it, so that PostgreSQL plans it for each pattern (a named statement's
 * generic plan filters every row for a rare pattern: ~100-200 ms here).
 */
export type SearchComparison = {
  students: number;
  rounds: number;
  registrar: Latency;
  floor: Latency;
  /** registrar p50 / floor p50. */
  ratio: number;
};

/** POST /students with an `Idempotency-Key` against the same POST without one. */
export type IdempotencyComparison = {
  rounds: number;
  withoutKey: Latency;
  withKey: Latency;
  /** with key p50 / without key p50: what keeping the answer costs a write. */
  ratio: number;
};

function latencyOf(values: number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95) };
}

async function timed(run: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

async function expectStatus(response: Response, status: number, what: string): Promise<void> {
  await response.arrayBuffer();
  if (response.status !== status) throw new Error(`${what} answered ${response.status}`);
}

// The statement listStudents sends for a search (packages/core/src/students.ts), first page.
const searchSql = `select id, name, email, sourced_id, created_at, updated_at from students
  where (name ilike $1 or email ilike $1) and id > $2 order by id limit $3`;

/**
 * Searches that a registrar's staff type: a name fragment matching a handful of students,
 * an email fragment, one that matches nobody and one that matches a page's worth. The
 * first `warmupRounds` rounds are not counted; the two sides alternate every request.
 */
export async function compareSearch(
  baseUrl: string,
  databaseUrl: string,
  students: number,
  rounds: number,
  warmupRounds: number,
): Promise<SearchComparison> {
  const terms = ["dent 4242", "student9876@", "nobody-like-this", "ent 1"];
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const mine: number[] = [];
  const floor: number[] = [];
  try {
    for (let round = 0; round < rounds + warmupRounds; round++) {
      const term = terms[round % terms.length] ?? "";
      const served = await timed(async () =>
        expectStatus(await fetch(`${baseUrl}/students?q=${encodeURIComponent(term)}`), 200, "a search"),
      );
      const pattern = `%${term.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
      const queried = await timed(async () => {
        await client.query(searchSql, [pattern, 0, 51]);
      });
      if (round >= warmupRounds) {
        mine.push(served);
        floor.push(queried);
      }
    }
  } finally {
    await client.end();
  }
  const registrar = latencyOf(mine);
  const floorLatency = latencyOf(floor);
  return { students, rounds, registrar, floor: floorLatency, ratio: registrar.p50 / floorLatency.p50 };
}

/** Alternates keyed and plain student creations, one at a time, each with its own key. */
export async function compareIdempotency(
  baseUrl: string,
  rounds: number,
  warmupRounds: number,
): Promise<IdempotencyComparison> {
  const plain: number[] = [];
  const keyed: number[] = [];
  const run = `${process.pid}-${Date.now()}`;
  for (let round = 0; round < rounds + warmupRounds; round++) {
    const create = (suffix: string, headers: Record<string, string>) => async () =>
      expectStatus(
        await fetch(`${baseUrl}/students`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: JSON.stringify({ name: "Bench Key", email: `key-${run}-${round}-${suffix}@bench.invalid` }),
        }),
        201,
        "creating a student",
      );
    const withoutKey = await timed(create("plain", {}));
    const withKey = await timed(create("keyed", { "idempotency-key": `bench-${run}-${round}` }));
    if (round >= warmupRounds) {
      plain.push(withoutKey);
      keyed.push(withKey);
    }
  }
  const withoutKey = latencyOf(plain);
  const withKey = latencyOf(keyed);
  return { rounds, withoutKey, withKey, ratio: withKey.p50 / withoutKey.p50 };
}
