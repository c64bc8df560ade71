import type { AppRouter } from "@registrar/api";
import { createTRPCClient, httpLink } from "@trpc/client";
import { beforeAll, describe, expect, it } from "vitest";
import { type CourseBody, expectProblem, type StudentBody, useTestServer } from "./http-client.ts";

/**
 * `GET /students?sort=&order=` and `GET /courses?sort=&order=`: every order, asked whole
 * and paged through in small pages, is the order computed here from the rows created
 * (ties broken by id the same way), with no row missed or repeated; cursors page only the
 * sort and order they came from. The database is this file's own, so these rows are all
 * of them. Names are letters only and emails letters of one length before the `@`, so
 * that the databases' collations (C on one machine, en_US on another) order them alike.
 */
const context = useTestServer();
const api = context.api;

type Sorted = { id: number; key: string | number };
const byKeyThenId = (a: Sorted, b: Sorted) => {
  if (a.key < b.key) return -1;
  if (a.key > b.key) return 1;
  return a.id - b.id;
};
function expectedIds(rows: Sorted[], order: "asc" | "desc"): number[] {
  const ascending = [...rows].sort(byKeyThenId).map((row) => row.id);
  return order === "asc" ? ascending : ascending.reverse();
}

/** Every page of a list, following next_cursor; the ids in the order they came. */
async function pageThrough(
  path: string,
  member: "students" | "courses",
  limit: number,
  from: string | null = null,
): Promise<number[]> {
  const ids: number[] = [];
  let cursor = from;
  for (let pages = 0; pages < 100; pages += 1) {
    const separator = path.includes("?") ? "&" : "?";
    const answer = await api.get<Record<typeof member, { id: number }[]> & { next_cursor: string | null }>(
      `${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`,
    );
    expect(answer.status, answer.text).toBe(200);
    ids.push(...answer.body[member].map((row) => row.id));
    cursor = answer.body.next_cursor;
    if (cursor === null) return ids;
  }
  throw new Error(`${path} did not end within 100 pages`);
}

const names = ["alice", "Bob", "carol", "Alice", "bob", "Dave", "eve", "Carol", "frank", "alice", "Eve"];
const letters = "abcdefghijklmnopqrstuvwxyz";
let students: StudentBody[] = [];
let courses: CourseBody[] = [];
const levels = ["beginner", "Advanced", "intermediate", "advanced"];
const codes = ["MATH-101", null, "art-1", "Math-101", "BIO-2", null, "bio-2"];
const capacities = [30, null, 5, 30, 12, null, 1, 5];

beforeAll(async () => {
  // 22 students; emails in a scrambled order of their fixed-length letter prefixes
  for (let index = 0; index < 22; index += 1) {
    const scrambled = (index * 7) % 22;
    const prefix = `${letters[Math.floor(scrambled / 10)]}${letters[scrambled % 10]}x`;
    const answer = await api.post<StudentBody>("/students", {
      name: names[index % names.length],
      email: `${prefix}@example.org`,
    });
    expect(answer.status, answer.text).toBe(201);
    students.push(answer.body);
  }
  for (let index = 0; index < 19; index += 1) {
    const answer = await api.post<CourseBody>("/courses", {
      name: names[(index * 3) % names.length],
      level: levels[index % levels.length],
      capacity: capacities[index % capacities.length],
      code: codes[index % codes.length],
    });
    expect(answer.status, answer.text).toBe(201);
    courses.push(answer.body);
  }
  students = students.sort((a, b) => a.id - b.id);
  courses = courses.sort((a, b) => a.id - b.id);
});

const studentKeys: Record<string, (student: StudentBody) => string | number> = {
  id: (student) => student.id,
  name: (student) => student.name.toLowerCase(),
  email: (student) => student.email.toLowerCase(),
  // created one after another: the order of creation is the order of ids
  created_at: (student) => student.id,
};
const courseKeys: Record<string, (course: CourseBody & { code?: string | null }) => string | number> = {
  id: (course) => course.id,
  name: (course) => course.name.toLowerCase(),
  code: (course) => (course.code ?? "").toLowerCase(),
  level: (course) => course.level.toLowerCase(),
  capacity: (course) => course.capacity ?? Number.MAX_SAFE_INTEGER,
};

describe("sorted students over REST", () => {
  for (const [sort, key] of Object.entries(studentKeys)) {
    for (const order of ["asc", "desc"] as const) {
      it(`sort=${sort}&order=${order}: whole, and paged 4 at a time without gaps or repeats`, async () => {
        const expected = expectedIds(
          students.map((student) => ({ id: student.id, key: key(student) })),
          order,
        );
        expect(await pageThrough(`/students?sort=${sort}&order=${order}`, "students", 100)).toEqual(expected);
        expect(await pageThrough(`/students?sort=${sort}&order=${order}`, "students", 4)).toEqual(expected);
        expect(await pageThrough(`/students?sort=${sort}&order=${order}`, "students", 1)).toEqual(expected);
      });
    }
  }

  it("keeps the default order (ascending id, id cursors) when no sort is asked for", async () => {
    const ids = students.map((student) => student.id);
    expect(await pageThrough("/students", "students", 5)).toEqual(ids);
    expect(await pageThrough("/students?sort=id", "students", 5)).toEqual(ids);
    expect(await pageThrough("/students?order=desc", "students", 5)).toEqual([...ids].reverse());
    const first = await api.get<{ next_cursor: string }>("/students?limit=2");
    const same = await api.get<{ next_cursor: string }>("/students?limit=2&sort=id&order=asc");
    expect(same.body.next_cursor).toBe(first.body.next_cursor);
  });

  it("sorts the students a search keeps, paged", async () => {
    const matching = students.filter((student) => student.name.toLowerCase().includes("al"));
    expect(matching.length).toBeGreaterThan(2);
    const expected = expectedIds(
      matching.map((student) => ({ id: student.id, key: student.email })),
      "desc",
    );
    expect(await pageThrough("/students?q=AL&sort=email&order=desc", "students", 2)).toEqual(expected);
  });

  it("answers a sorted page with the contract's student fields only", async () => {
    const answer = await api.get<{ students: Record<string, unknown>[] }>("/students?sort=name&limit=1");
    expect(Object.keys(answer.body.students[0] ?? {}).sort()).toEqual(
      ["created_at", "email", "id", "name", "sourced_id", "updated_at"].sort(),
    );
  });
});

describe("sorted courses over REST", () => {
  for (const [sort, key] of Object.entries(courseKeys)) {
    for (const order of ["asc", "desc"] as const) {
      it(`sort=${sort}&order=${order}: whole, and paged 3 at a time without gaps or repeats`, async () => {
        const expected = expectedIds(
          courses.map((course) => ({ id: course.id, key: key(course) })),
          order,
        );
        expect(await pageThrough(`/courses?sort=${sort}&order=${order}`, "courses", 100)).toEqual(expected);
        expect(await pageThrough(`/courses?sort=${sort}&order=${order}`, "courses", 3)).toEqual(expected);
      });
    }
  }

  it("sorts the courses a search keeps", async () => {
    const matching = courses.filter(
      (course) =>
        course.name.toLowerCase().includes("e") ||
        ((course as { code?: string | null }).code ?? "").toLowerCase().includes("e"),
    );
    const expected = expectedIds(
      matching.map((course) => ({ id: course.id, key: course.capacity ?? Number.MAX_SAFE_INTEGER })),
      "asc",
    );
    expect(await pageThrough("/courses?q=e&sort=capacity", "courses", 2)).toEqual(expected);
  });

  it("keeps rows in place when one already passed is renamed between pages", async () => {
    const first = await api.get<{ courses: CourseBody[]; next_cursor: string }>("/courses?sort=name&limit=5");
    const passed = first.body.courses[0];
    if (!passed) throw new Error("no course");
    // renamed to sort after everything: it comes again at the end, and no row is skipped
    const renamed = await api.patch(`/courses/${passed.id}`, { name: "zzzz" });
    expect(renamed.status, renamed.text).toBe(200);
    const rest = await pageThrough("/courses?sort=name", "courses", 5, first.body.next_cursor);
    const seen = [...first.body.courses.map((course) => course.id), ...rest];
    expect(new Set(seen).size).toBe(courses.length);
    expect(rest.at(-1)).toBe(passed.id);
    const restored = await api.patch(`/courses/${passed.id}`, { name: passed.name });
    expect(restored.status).toBe(200);
  });
});

describe("cursors and parameters of a sorted list", () => {
  it("refuses a cursor of another sort, another order or the default order with 400 validation_failed", async () => {
    const byName = await api.get<{ next_cursor: string }>("/students?sort=name&limit=2");
    const byId = await api.get<{ next_cursor: string }>("/students?limit=2");
    const courseByName = await api.get<{ next_cursor: string }>("/courses?sort=name&limit=2");
    for (const path of [
      `/students?sort=email&cursor=${byName.body.next_cursor}`,
      `/students?sort=name&order=desc&cursor=${byName.body.next_cursor}`,
      `/students?cursor=${byName.body.next_cursor}`,
      `/students?sort=name&cursor=${byId.body.next_cursor}`,
      `/courses?sort=level&cursor=${courseByName.body.next_cursor}`,
      `/courses?sort=capacity&cursor=${Buffer.from("sort:capacity:asc:1:many").toString("base64url")}`,
      `/courses?sort=capacity&cursor=${Buffer.from("sort:capacity:asc:1:99999999999").toString("base64url")}`,
      `/students?sort=created_at&cursor=${Buffer.from("sort:createdAt:asc:1:yesterday").toString("base64url")}`,
      `/students?sort=created_at&cursor=${Buffer.from("sort:createdAt:asc:1:2026-02-30 10:00:00+00").toString("base64url")}`,
      `/courses?sort=name&cursor=${Buffer.from("sort:name:asc:0:x").toString("base64url")}`,
      `/students?sort=name&cursor=${Buffer.from("sort:name:asc:").toString("base64url")}`,
      "/students?sort=name&cursor=bm90IGEgY3Vyc29y",
      `/students?sort=name&cursor=${Buffer.from("sort:name:asc:1:a\u0000b").toString("base64url")}`,
      `/students?sort=name&cursor=${Buffer.from([...Buffer.from("sort:name:asc:1:"), 0xff, 0xfe]).toString("base64url")}`,
    ]) {
      const body = expectProblem(await api.get(path), 400, "validation_failed");
      expect(body.errors, path).toEqual([expect.objectContaining({ path: "cursor" })]);
    }
  });

  it("refuses an unknown sort or order, and the camelCase spelling on REST", async () => {
    for (const path of [
      "/students?sort=bogus",
      "/students?sort=createdAt",
      "/students?sort=code",
      "/courses?sort=email",
      "/students?order=up",
      "/courses?order=DESC",
    ]) {
      expectProblem(await api.get(path), 400, "validation_failed");
    }
  });

  it("sorts over tRPC with the camelCase names, and refuses a REST spelling there", async () => {
    const trpc = createTRPCClient<AppRouter>({
      links: [httpLink({ url: `${context.server.baseUrl}/trpc` })],
    });
    const first = await trpc.students.list.query({ sort: "createdAt", order: "desc", limit: 3 });
    expect(first.students.map((student) => student.id)).toEqual(
      students
        .map((student) => student.id)
        .reverse()
        .slice(0, 3),
    );
    const next = await trpc.students.list.query({
      sort: "createdAt",
      order: "desc",
      limit: 3,
      cursor: first.nextCursor ?? undefined,
    });
    expect(next.students.map((student) => student.id)).toEqual(
      students
        .map((student) => student.id)
        .reverse()
        .slice(3, 6),
    );
    const courses = await trpc.courses.list.query({ sort: "code", limit: 100 });
    expect(courses.courses.length).toBeGreaterThan(0);
    await expect(
      // @ts-expect-error: REST's spelling is not a tRPC sort
      trpc.students.list.query({ sort: "created_at" }),
    ).rejects.toThrow();
  });
});
