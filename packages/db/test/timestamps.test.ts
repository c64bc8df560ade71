import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../src/testing.ts";

let test: TestDatabase;
beforeAll(async () => {
  test = await createTestDatabase();
});
afterAll(async () => {
  await test?.drop();
});

/** What the database hands back for `value::timestamptz`, in a session of time zone `zone`. */
async function read(value: string, zone = "UTC"): Promise<unknown> {
  return test.db.transaction(async (trx) => {
    await trx.raw(`set local timezone = '${zone}'`);
    const result = await trx.raw<{ rows: Array<{ at: unknown }> }>("select ?::timestamptz as at", [value]);
    return result.rows[0]?.at;
  });
}

describe(`timestamps on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("arrive as ISO-8601 strings in UTC with milliseconds, truncated like Date#toISOString", async () => {
    expect(await read("2026-01-02 03:04:05.678901+00")).toBe("2026-01-02T03:04:05.678Z");
    expect(await read("2026-01-02 03:04:05.999999+00")).toBe("2026-01-02T03:04:05.999Z");
    expect(await read("2026-01-02 03:04:05+00")).toBe("2026-01-02T03:04:05.000Z");
    expect(await read("2026-01-02 03:04:05.5+00")).toBe("2026-01-02T03:04:05.500Z");
  });

  it("are converted to UTC when the session runs in another time zone", async () => {
    expect(await read("2026-01-02 03:04:05.678+00", "Asia/Kolkata")).toBe("2026-01-02T03:04:05.678Z");
    expect(await read("2026-07-01 00:30:00+00", "America/New_York")).toBe("2026-07-01T00:30:00.000Z");
  });

  it("are what rows and models carry: a student's created_at is the string the API returns", async () => {
    const inserted = await test.db.raw<{ rows: Array<{ createdAt: unknown }> }>(
      `insert into students (name, email, created_at) values ('T', 't@example.org', '2026-03-04 05:06:07.089+00')
       returning created_at as "createdAt"`,
    );
    expect(inserted.rows[0]?.createdAt).toBe("2026-03-04T05:06:07.089Z");
  });
});
