/**
 * The package as someone outside this repository gets it: the tarballs of `pnpm pack` and
 * `npm pack`, each installed with a plain `npm install ./registrar-sdk-x.y.z.tgz` into an
 * empty folder under the system's temp directory, then type-checked with `skipLibCheck: false`
 * (correct calls pass; each wrong call fails with its own error) and run against a live
 * server. publint and arethetypeswrong check both tarballs.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as contract from "@registrar/contract";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/**
 * The environment of someone at a shell: none of the `npm_*` settings that a package
 * manager running this suite hands its children (they would steer the npm inside).
 */
const userEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

async function sh(command: string, args: string[], cwd: string) {
  return run(command, args, { cwd, env: userEnv, maxBuffer: 16 * 1024 * 1024 });
}

/** Every correct call must type-check: one of each kind of operation, both clients, the types. */
const correctCalls = `
import { createTRPCClient } from "@trpc/client";
import {
  type AppRouter,
  createRegistrarClient,
  isRegistrarError,
  MAX_PAGE_SIZE,
  parseId,
  RegistrarError,
  type RegistrarErrorCode,
  type RegistrarEvent,
  type RestSchemas,
  registrarLinks,
  type RouterInputs,
  type RouterOutputs,
  toRegistrarError,
  verifyWebhook,
} from "@registrar/sdk";

type IsAny<T> = 0 extends 1 & T ? true : false;
const routerIsTyped: IsAny<AppRouter> = false;

const pageSize: number = MAX_PAGE_SIZE;
const parsedId: number | undefined = parseId("42");

const { trpc, rest } = createRegistrarClient({ baseUrl: "http://127.0.0.1:3000", token: undefined });

const ada: RouterOutputs["students"]["byId"] = await trpc.students.create.mutate({ name: "Ada", email: "ada@example.org" });
const renamed = await trpc.students.update.mutate({ id: ada.id, name: "Ada Lovelace" });
const page = await trpc.students.list.query();
const next = await trpc.students.list.query({ limit: 10, cursor: page.nextCursor ?? undefined });
const algebra = await trpc.courses.create.mutate({ name: "Algebra", level: "beginner", capacity: 30 });
const seats: number | null = algebra.capacity;
const enrolledCount: number = algebra.enrolledCount;
const assign: RouterInputs["enrollments"]["assign"] = { studentId: ada.id, courseIds: [algebra.id] };
const assigned = await trpc.enrollments.assign.mutate(assign);
const enrolled: number[] = assigned.enrolled;
const already: number[] = assigned.alreadyEnrolled;
const courses = await trpc.enrollments.list.query({ studentId: ada.id });
const enrolledAt: string | undefined = courses.courses[0]?.enrolledAt;
const roster = await trpc.courses.students.query({ courseId: algebra.id, limit: 50 });
const removed: true = (await trpc.enrollments.remove.mutate({ studentId: ada.id, courseId: algebra.id })).removed;
const deleted: true = (await trpc.students.delete.mutate({ id: ada.id })).deleted;

const created = await rest.POST("/students", { body: { name: "Grace", email: "grace@example.org" } });
const grace: RestSchemas["Student"] | undefined = created.data;
const fetched = await rest.GET("/students/{id}", { params: { path: { id: "1" } } });
const createdAt: string | undefined = fetched.data?.created_at;
await rest.POST("/students/{id}/courses", { params: { path: { id: "1" } }, body: { course_ids: [1, 2] } });

try {
  await trpc.students.byId.query({ id: 1 });
} catch (error) {
  if (isRegistrarError(error)) {
    const code: RegistrarErrorCode = error.code;
    const missing: number[] | undefined = error.problem.missingCourseIds;
    void code;
    void missing;
    // a union over code: narrowed, a code's extras are there
    if (error.code === "course_full") {
      const full: number[] = error.problem.fullCourseIds;
      void full;
    }
  }
  if (error instanceof RegistrarError && error.code === "enrollment_not_found") {
    const pair: [number, number] = [error.problem.studentId, error.problem.courseId];
    void pair;
  }
}

const own = createTRPCClient<AppRouter>({ links: registrarLinks({ baseUrl: "" }) });
const viaOwn: string = (await own.students.byId.query({ id: 1 }).catch((error) => {
  throw toRegistrarError(error);
})).email;

// the event union narrows data on type, and is what verifyWebhook answers
const eventLine = (event: RegistrarEvent): string => {
  switch (event.type) {
    case "student.created":
      return event.data.email;
    case "enrollment.dropped":
      return String(event.data.student_id);
    default:
      return event.type;
  }
};
const receive = async (body: string): Promise<string> => eventLine(await verifyWebhook("whsec_", body, {}));

export { eventLine, receive, pageSize, parsedId, routerIsTyped, renamed, next, seats, enrolledCount, enrolled, already, enrolledAt, roster, removed, deleted, grace, createdAt, viaOwn };
`;

/** Each wrong call on a line of its own, with the one error that must be reported on that line. */
const wrongCalls = [
  {
    what: "a field of another event type's data",
    code: "TS2339",
    call: `export const notNarrowed = (event: RegistrarEvent) => (event.type === "course.created" ? event.data.email : "");`,
  },
  {
    what: "a misspelt field",
    code: "TS2561",
    call: `await trpc.students.create.mutate({ name: "Ada", emial: "ada@example.org" });`,
  },
  { what: "a field of the wrong type", code: "TS2322", call: `await trpc.students.byId.query({ id: "1" });` },
  {
    what: "an extra field",
    code: "TS2353",
    call: `await trpc.students.create.mutate({ name: "Ada", email: "ada@example.org", age: 36 });`,
  },
  {
    what: "a missing field",
    code: "TS2345",
    call: `await trpc.enrollments.assign.mutate({ studentId: 1 });`,
  },
  { what: "an unknown procedure", code: "TS2339", call: `await trpc.students.rename.mutate({ id: 1 });` },
  {
    what: "a query called as a mutation",
    code: "TS2339",
    call: `await trpc.students.byId.mutate({ id: 1 });`,
  },
  {
    what: "a result used as the wrong type",
    code: "TS2322",
    call: `export const email: number = (await trpc.students.byId.query({ id: 1 })).email;`,
  },
  {
    what: "a REST path id that is not a string",
    code: "TS2322",
    call: `await rest.GET("/students/{id}", { params: { path: { id: 1 } } });`,
  },
  {
    what: "a REST body without a required field",
    code: "TS2322",
    call: `await rest.POST("/students", { body: { name: "Ada" } });`,
  },
  {
    what: "a REST body field of the wrong type",
    code: "TS2322",
    call: `await rest.PATCH("/courses/{id}", { params: { path: { id: "1" } }, body: { capacity: "30" } });`,
  },
];

const wrongCallsPreamble = [
  `import { createRegistrarClient, type RegistrarEvent } from "@registrar/sdk";`,
  `const { trpc, rest } = createRegistrarClient({ baseUrl: "http://127.0.0.1:3000" });`,
];
const wrongCallsSource = [...wrongCallsPreamble, ...wrongCalls.map((wrong) => wrong.call), ""].join("\n");
/** The 1-based line of each wrong call in wrong-calls.ts. */
const lineOf = (index: number) => wrongCallsPreamble.length + index + 1;

/** The installed package, run: ESM import, a client against a live server, and require() (Node 20.19+). */
const runtimeCheck = `
import { createRegistrarClient, isRegistrarError } from "@registrar/sdk";
const { trpc, rest } = createRegistrarClient({ baseUrl: process.argv[2] });
const student = await trpc.students.create.mutate({ name: "Packed", email: "packed-" + process.argv[3] + "@example.org" });
const { data } = await rest.GET("/students/{id}", { params: { path: { id: String(student.id) } } });
const missing = await trpc.students.byId.query({ id: 2147483647 }).catch((error) => error);
console.log(JSON.stringify({ email: data.email, isRegistrarError: isRegistrarError(missing), code: missing.code }));
`;
const requireCheck = `
const sdk = require("@registrar/sdk");
console.log(JSON.stringify(Object.keys(sdk).sort()));
`;

const compilerOptions = {
  target: "ES2022",
  strict: true,
  skipLibCheck: false,
  noEmit: true,
  // @trpc/server's declarations use Disposable (see the README); no @types/node here.
  lib: ["ES2023", "DOM", "ESNext.Disposable"],
  types: [],
};
const tsconfigs = {
  nodenext: { compilerOptions: { ...compilerOptions, module: "NodeNext", moduleResolution: "NodeNext" } },
  bundler: { compilerOptions: { ...compilerOptions, module: "ESNext", moduleResolution: "Bundler" } },
};

type Diagnostic = { file: string; line: number; code: string; text: string };

/** tsc's diagnostics (`file(line,col): error TSxxxx: ...`); tsc exits non-zero when there are any. */
async function typeCheck(project: string, tsconfig: string): Promise<Diagnostic[]> {
  const output = await sh(process.execPath, [tsc, "-p", tsconfig, "--pretty", "false"], project).then(
    (result) => result.stdout,
    (error: { stdout?: string }) => error.stdout ?? String(error),
  );
  return [...output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+): (.*)$/gm)].map((match) => ({
    file: match[1] ?? "",
    line: Number(match[2]),
    code: match[3] ?? "",
    text: match[4] ?? "",
  }));
}

const packers = ["pnpm", "npm"] as const;
type Packer = (typeof packers)[number];

let workDir: string;
const tarballs = {} as Record<Packer, string>;
let server: TestServer;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "registrar-sdk-package-"));
  for (const packer of packers) {
    const destination = await mkdtemp(join(workDir, `${packer}-pack-`));
    // pnpm pack runs `prepack` (the build); npm pack would run the same build again, so it
    // packs that one as it stands.
    const args = packer === "pnpm" ? ["pack"] : ["pack", "--ignore-scripts"];
    await sh(packer, [...args, "--pack-destination", destination], packageDir);
    const [file, ...others] = await readdir(destination);
    expect(others, `${packer} pack made one tarball`).toEqual([]);
    tarballs[packer] = join(destination, file ?? "");
  }
  server = await startTestServer();
}, 240_000);

afterAll(async () => {
  await server?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

async function tarList(tarball: string): Promise<string[]> {
  const { stdout } = await sh("tar", ["-tzf", tarball], workDir);
  return stdout.split("\n").filter(Boolean).sort();
}

async function tarFile(tarball: string, path: string): Promise<string> {
  const { stdout } = await sh("tar", ["-xzOf", tarball, `package/${path}`], workDir);
  return stdout;
}

describe("the packed package", () => {
  it("is the build, its declarations in one file, and the README; the same from npm and pnpm", async () => {
    const files = await tarList(tarballs.npm);
    expect(files).toEqual(
      [
        "README.md",
        // one bundled module (the contract's limits inlined) and its bundled declarations
        "dist/index.d.ts",
        "dist/index.js",
        "package.json",
      ].map((file) => `package/${file}`),
    );
    expect(await tarList(tarballs.pnpm)).toEqual(files);
    for (const file of files.filter((name) => name.startsWith("package/dist/"))) {
      const path = file.slice("package/".length);
      expect(await tarFile(tarballs.pnpm, path), path).toBe(await tarFile(tarballs.npm, path));
    }
  });

  it("declares what a consumer needs and nothing of the workspace", async () => {
    for (const packer of packers) {
      const manifest = JSON.parse(await tarFile(tarballs[packer], "package.json")) as Record<string, unknown>;
      expect(manifest, packer).toMatchObject({
        name: "@registrar/sdk",
        private: false,
        license: "MIT",
        type: "module",
        sideEffects: false,
        engines: { node: ">=20.19" },
        exports: { ".": { types: "./dist/index.d.ts", default: "./dist/index.js" } },
        dependencies: { "openapi-fetch": expect.any(String) },
        peerDependencies: { "@trpc/client": expect.any(String), "@trpc/server": expect.any(String) },
      });
      expect(manifest.version, packer).toMatch(/^\d+\.\d+\.\d+$/);
    }
    const declarations = await tarFile(tarballs.npm, "dist/index.d.ts");
    const imported = [
      ...declarations.matchAll(/\bfrom\s+["']([^"']+)["']|\bimport\(["']([^"']+)["']\)/g),
    ].map((match) => match[1] ?? match[2]);
    expect(new Set(imported)).toEqual(new Set(["@trpc/client", "@trpc/server", "openapi-fetch"]));
  });

  it("passes publint and arethetypeswrong", async () => {
    const { stdout } = await sh(
      process.execPath,
      [join(packageDir, "scripts/check-package.mjs"), tarballs.npm, tarballs.pnpm],
      packageDir,
    );
    // the script exits non-zero on any finding; this is what each tool says when it has none
    expect(stdout.match(/All good!/g)).toHaveLength(2);
    expect(stdout.match(/No problems found/g)).toHaveLength(2);
  }, 120_000);
});

describe.each(packers)("the %s tarball, installed with npm into an empty folder", (packer) => {
  let project: string;

  beforeAll(async () => {
    project = await mkdtemp(join(tmpdir(), `registrar-sdk-consumer-${packer}-`));
    const tarball = "registrar-sdk.tgz";
    await copyFile(tarballs[packer], join(project, tarball));
    await writeFile(join(project, "package.json"), `${JSON.stringify({ private: true, type: "module" })}\n`);
    await sh("npm", ["install", "--no-audit", "--no-fund", `./${tarball}`], project);
    await writeFile(join(project, "correct-calls.ts"), correctCalls);
    await writeFile(join(project, "wrong-calls.ts"), wrongCallsSource);
    await writeFile(join(project, "runtime-check.mjs"), runtimeCheck);
    await writeFile(join(project, "require-check.cjs"), requireCheck);
    for (const [name, tsconfig] of Object.entries(tsconfigs)) {
      // Both files in one program: each is a module of its own, so neither changes what the
      // other's calls mean, and the declarations are checked once per resolution instead of
      // twice (a tsc run with skipLibCheck off is ~5 s here). Each file's diagnostics are
      // asserted on their own below.
      const both = { ...tsconfig, files: ["correct-calls.ts", "wrong-calls.ts"] };
      await writeFile(join(project, `tsconfig.${name}.json`), JSON.stringify(both, null, 2));
    }
  }, 180_000);

  /** One tsc run per resolution, shared by the tests of correct and of wrong calls. */
  const checked = new Map<string, Promise<Diagnostic[]>>();
  function diagnosticsOf(name: string): Promise<Diagnostic[]> {
    let diagnostics = checked.get(name);
    if (diagnostics === undefined) {
      diagnostics = typeCheck(project, `tsconfig.${name}.json`);
      checked.set(name, diagnostics);
    }
    return diagnostics;
  }

  afterAll(async () => {
    if (project) await rm(project, { recursive: true, force: true });
  });

  it("has no @registrar package but the SDK in node_modules", async () => {
    expect(await readdir(join(project, "node_modules", "@registrar"))).toEqual(["sdk"]);
  });

  it.each(Object.keys(tsconfigs))(
    "type-checks correct calls with skipLibCheck off (%s resolution)",
    async (name) => {
      // nothing but the wrong calls' own errors: none in correct-calls.ts, none in a library
      expect((await diagnosticsOf(name)).filter((d) => d.file !== "wrong-calls.ts")).toEqual([]);
    },
    120_000,
  );

  it.each(Object.keys(tsconfigs))(
    "rejects each wrong call with its own error (%s resolution)",
    async (name) => {
      const diagnostics = (await diagnosticsOf(name)).filter((d) => d.file !== "correct-calls.ts");
      // every error is on a wrong call's line, in wrong-calls.ts: nothing in the libraries
      const lines = new Set(wrongCalls.map((_, index) => lineOf(index)));
      expect(diagnostics.filter((d) => d.file !== "wrong-calls.ts" || !lines.has(d.line))).toEqual([]);
      for (const [index, wrong] of wrongCalls.entries()) {
        const codes = diagnostics.filter((d) => d.line === lineOf(index)).map((d) => d.code);
        expect(codes, `${wrong.what}: ${wrong.call}`).toEqual([wrong.code]);
      }
    },
    120_000,
  );

  it("runs: imported as ESM it talks to a live server, and require() loads it", async () => {
    const { stdout } = await sh(process.execPath, ["runtime-check.mjs", server.baseUrl, packer], project);
    expect(JSON.parse(stdout)).toEqual({
      email: `packed-${packer}@example.org`,
      isRegistrarError: true,
      code: "student_not_found",
    });
    const required = await sh(process.execPath, ["require-check.cjs"], project);
    expect(JSON.parse(required.stdout)).toEqual(
      [
        // the wire contract, re-exported whole
        ...Object.keys(contract),
        "RegistrarError",
        "createRegistrarClient",
        "createRegistrarOneRosterClient",
        "createRegistrarRestClient",
        "createRegistrarTrpcClient",
        "isRegistrarError",
        "registrarLinks",
        "toRegistrarError",
        "verifyWebhook",
        "WebhookVerificationError",
      ].sort(),
    );
    expect(required.stderr).toBe("");
  });
});
