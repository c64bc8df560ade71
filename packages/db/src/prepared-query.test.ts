import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Student } from "./models/Student.ts";
import { preparedQuery } from "./prepared-query.ts";
import { createTestDatabase, type TestDatabase } from "./testing.ts";

let test: TestDatabase;
let ids: number[] = [];

beforeAll(async () => {
  test = await createTestDatabase();
  const rows = await Student.query(test.db)
    .insert(["Ada", "Alan", "Grace", "Edsger"].map((name) => ({ name, email: `${name}@prepared.test` })))
    .returning("id");
  ids = rows.map((row) => row.id);
});
afterAll(async () => {
  await test?.drop();
});

/** The statements knex sends while `work` runs, with their prepared-statement names. */
async function sent(work: () => Promise<unknown>): Promise<Array<{ sql: string; name: unknown }>> {
  const statements: Array<{ sql: string; name: unknown }> = [];
  const listener = (query: { sql: string; options?: { name?: unknown } }) =>
    statements.push({ sql: query.sql, name: query.options?.name });
  test.db.on("query", listener);
  try {
    await work();
  } finally {
    test.db.off("query", listener);
  }
  return statements;
}

describe(`preparedQuery on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("binds each parameter where the model query used it and answers plain rows of properties", async () => {
    // the parameters are declared in another order than the SQL uses them
    const page = preparedQuery<{ limit: number; afterId: number }, { id: number; createdAt: string }>(
      "test_students_page",
      { limit: "integer", afterId: "integer" },
      (db, p) =>
        Student.query(db)
          .select(Student.columnsAs(["id", "createdAt"]))
          .where("students.id", ">", p.afterId)
          .orderBy("students.id")
          .limit(p.limit),
    );
    const rows = await page(test.db, { afterId: ids[0] ?? 0, limit: 2 });
    expect(rows.map((row) => row.id)).toEqual(ids.slice(1, 3));
    expect(Object.keys(rows[0] ?? {})).toEqual(["id", "createdAt"]);
    expect(Object.getPrototypeOf(rows[0])).toBe(Object.prototype);
    expect(rows[0]?.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it("builds the model query once and sends one named statement with the same text every time", async () => {
    let builds = 0;
    const byIds = preparedQuery<{ ids: number[] }, { id: number }>(
      "test_students_by_ids",
      { ids: "list" },
      (db, p) => {
        builds += 1;
        return Student.query(db)
          .select("students.id")
          .where(Student.isAnyOf("students.id", p.ids))
          .orderBy("students.id");
      },
    );
    const statements = await sent(async () => {
      expect((await byIds(test.db, { ids: [ids[2] ?? 0] })).map((row) => row.id)).toEqual([ids[2]]);
      expect((await byIds(test.db, { ids })).map((row) => row.id)).toEqual(ids);
      expect(await byIds(test.db, { ids: [] })).toEqual([]);
    });
    expect(builds).toBe(1);
    expect(statements).toHaveLength(3);
    expect(new Set(statements.map((statement) => statement.sql)).size).toBe(1);
    // one name for one text: the name ends in a hash of the SQL
    const names = new Set(statements.map((statement) => statement.name));
    expect(names.size).toBe(1);
    expect([...names][0]).toMatch(/^registrar_test_students_by_ids_[0-9a-f]{12}$/);
  });

  it("sends a statement planned per run unnamed, compiled once all the same", async () => {
    let builds = 0;
    const search = preparedQuery<{ pattern: string }, { id: number }>(
      "test_students_search",
      { pattern: "text" },
      (db, p) => {
        builds += 1;
        return Student.query(db)
          .select("students.id")
          .where("students.name", "ilike", p.pattern)
          .orderBy("students.id");
      },
      { planEachRun: true },
    );
    const statements = await sent(async () => {
      expect((await search(test.db, { pattern: "%race%" })).map((row) => row.id)).toEqual([ids[2]]);
      expect((await search(test.db, { pattern: "a%" })).map((row) => row.id)).toEqual([ids[0], ids[1]]);
    });
    expect(builds).toBe(1);
    expect(statements.map((statement) => statement.name)).toEqual([undefined, undefined]);
  });

  it("runs on the transaction it is given", async () => {
    const byEmail = preparedQuery<{ id: number }, { email: string }>(
      "test_student_email",
      { id: "integer" },
      (db, p) => Student.query(db).select("students.email").findById(p.id),
    );
    // On PGlite (one connection) a statement sent outside the transaction would wait for it
    // and time out; on pg it would not see the uncommitted row.
    const rows = await test.db.transaction(async (trx) => {
      const student = await Student.query(trx).insert({ name: "Barbara", email: "barbara@prepared.test" });
      return byEmail(trx, { id: student.id });
    });
    expect(rows).toEqual([{ email: "barbara@prepared.test" }]);
  });

  it("refuses a query that drops a parameter: the statement would ignore it", async () => {
    const broken = preparedQuery<{ id: number; limit: number }, { id: number }>(
      "test_broken",
      { id: "integer", limit: "integer" },
      (db, p) => Student.query(db).select("students.id").where("students.id", p.id),
    );
    await expect(broken(test.db, { id: 1, limit: 1 })).rejects.toThrow(/never bound: limit/);
  });
});
