import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase, testDatabaseTarget } from "@registrar/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpClient } from "./http-client.ts";
import { type ServerProcess, startServerProcess } from "./reliability/server-process.ts";

/**
 * `pnpm start` runs the server as one esbuild bundle (scripts/bundle.mjs), not from its
 * TypeScript sources: this builds that bundle and checks that it is the same server, on
 * this run's database.
 */
const serverDir = fileURLToPath(new URL("..", import.meta.url));
const bundle = fileURLToPath(new URL(`../dist/main.test-${process.pid}.mjs`, import.meta.url));
const target = testDatabaseTarget();

let database: TestDatabase | undefined;
let server: ServerProcess;

beforeAll(async () => {
  const built = spawnSync(process.execPath, ["scripts/bundle.mjs", "--outfile", bundle], {
    cwd: serverDir,
    encoding: "utf8",
  });
  expect(built.status, built.stderr).toBe(0);
  // PostgreSQL: a database of its own; PGlite: the server's own in-memory one.
  if (target.kind === "postgres") database = await createTestDatabase();
  server = await startServerProcess(database?.url ?? "memory://", {}, { bundle });
}, 120_000);

afterAll(async () => {
  await server?.kill();
  await database?.drop();
  rmSync(bundle, { force: true });
});

describe(`the bundled server (pnpm start) on ${target.kind}`, () => {
  it("serves REST, tRPC, the OpenAPI document and the docs page from its bundle", async () => {
    const api = httpClient(server.baseUrl);
    const student = await api.post<{ id: number }>("/students", { name: "Bundled", email: "b@example.org" });
    expect(student.status, student.text).toBe(201);
    const course = await api.post<{ id: number }>("/courses", { name: "Small", level: "b", capacity: 1 });
    expect(course.status, course.text).toBe(201);
    const assigned = await api.post(`/students/${student.body.id}/courses`, { course_ids: [course.body.id] });
    expect(assigned.status, assigned.text).toBe(201);

    const other = await api.post<{ id: number }>("/students", { name: "Late", email: "late@example.org" });
    const refused = await api.post(`/students/${other.body.id}/courses`, { course_ids: [course.body.id] });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: "course_full", full_course_ids: [course.body.id] });

    const input = encodeURIComponent(JSON.stringify({ studentId: student.body.id }));
    const listed = await api.get<{
      result: { data: { courses: Array<{ id: number; enrolledCount: number }> } };
    }>(`/trpc/enrollments.list?input=${input}`);
    expect(listed.body.result.data.courses).toEqual([
      expect.objectContaining({ id: course.body.id, enrolledCount: 1 }),
    ]);

    const openapi = await api.get<{ openapi: string }>("/openapi.json");
    expect(openapi.body.openapi).toMatch(/^3\.1/);
    expect((await api.get("/docs")).status).toBe(200);
  });

  it("stops cleanly on SIGTERM", async () => {
    server.child.kill("SIGTERM");
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });
});
