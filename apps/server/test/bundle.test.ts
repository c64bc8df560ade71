import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase, testDatabaseTarget } from "@registrar/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removeBundle } from "./global-setup.ts";
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
  await removeBundle(bundle);
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

describe("the bundle's V8 code cache (scripts/bundle-launcher.mjs)", () => {
  const cacheFile = `${bundle.slice(0, -".mjs".length)}.cjs.v8-cache`;
  const keyOf = (contents: Buffer) => contents.subarray(0, contents.indexOf(10) + 1).toString();

  const cacheNow = () => (existsSync(cacheFile) ? readFileSync(cacheFile) : Buffer.alloc(0));

  /**
   * A start on this run's database that answers a read; the cache once `until` holds for it
   * (it is written 500 ms after the listen, if at all), else a second and a half after the read.
   */
  async function startOnce(
    until?: (cache: Buffer) => boolean,
  ): Promise<{ mtimeMs: number; contents: Buffer }> {
    const started = await startServerProcess(database?.url ?? "memory://", {}, { bundle });
    try {
      const listed = await httpClient(started.baseUrl).get("/students");
      expect(listed.status, listed.text).toBe(200);
      if (until) await expect.poll(() => until(cacheNow()), { timeout: 10_000 }).toBe(true);
      else await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      await started.kill();
    }
    return { mtimeMs: statSync(cacheFile).mtimeMs, contents: readFileSync(cacheFile) };
  }

  it("is written by a start without one, keyed by the build, node and architecture", async () => {
    rmSync(cacheFile, { force: true });
    const { contents: written, mtimeMs } = await startOnce((cache) => cache.length > 0);
    expect(keyOf(written)).toMatch(new RegExp(`^[0-9a-f]{32} ${process.version} ${process.arch}\n$`));
    // V8's bytecode for the bundle's compiled functions: megabytes, not a stub.
    expect(written.length).toBeGreaterThan(500_000);
    // V8 took it: a start with it leaves it as it is.
    expect((await startOnce()).mtimeMs).toBe(mtimeMs);
  });

  it("another build's cache is not used but replaced, and the server starts the same", async () => {
    const ours = readFileSync(cacheFile);
    const foreign = Buffer.concat([
      Buffer.from(`${"0".repeat(32)} ${process.version} ${process.arch}\n`),
      ours.subarray(keyOf(ours).length),
    ]);
    writeFileSync(cacheFile, foreign);
    const { contents: after } = await startOnce((cache) => !cache.equals(foreign));
    expect(keyOf(after)).toBe(keyOf(ours));
  });

  it("a cache V8 refuses (corrupt bytes under the right key) is replaced, and the server starts the same", async () => {
    const ours = readFileSync(cacheFile);
    writeFileSync(cacheFile, Buffer.concat([Buffer.from(keyOf(ours)), Buffer.alloc(4096, 7)]));
    const { contents: after } = await startOnce((cache) => cache.length > 4096 + keyOf(ours).length);
    expect(keyOf(after)).toBe(keyOf(ours));
    expect(after.length).toBeGreaterThan(500_000);
  });
});

describe("a first start of the bundle on an empty directory", () => {
  const clusterChild = `${bundle.slice(0, -".mjs".length)}.cluster-child.cjs`;

  if (target.kind === "postgres") {
    it("prints why it does not run here", () => {
      console.log("NOTICE: a first start on an empty PGlite directory is tested in the PGlite half.");
    });
    return;
  }

  let scratch: string;
  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), "registrar-bundle-first-start-"));
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it("creates and migrates the cluster in the child bundled beside it, and serves on it", async () => {
    expect(existsSync(clusterChild)).toBe(true);
    const first = await startServerProcess(join(scratch, "first"), {}, { bundle });
    try {
      const api = httpClient(first.baseUrl);
      const created = await api.post<{ id: number }>("/students", {
        name: "First",
        email: "first@example.org",
      });
      expect(created.status, created.text).toBe(201);
      const listed = await api.get<{ students: Array<{ email: string }> }>("/students");
      expect(listed.body.students.map((student) => student.email)).toEqual(["first@example.org"]);
    } finally {
      await first.kill();
    }
  });

  it("without that child the start fails naming it and how to rebuild, and leaves no cluster behind", async () => {
    const dir = join(scratch, "without-child");
    const aside = `${clusterChild}.aside`;
    renameSync(clusterChild, aside);
    try {
      await expect(startServerProcess(dir, {}, { bundle })).rejects.toThrow(
        `the server's bundle is missing ${clusterChild}, which creates a new cluster: bundle the server again`,
      );
    } finally {
      renameSync(aside, clusterChild);
    }
    expect(existsSync(join(dir, "PG_VERSION"))).toBe(false);
  });
});
