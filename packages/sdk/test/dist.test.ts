import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

/**
 * The only packages the built JavaScript may import: no server code, no Node built-ins.
 * @registrar/contract is constants only, with no dependencies (the batch limits the SDK
 * shares with the server).
 */
const allowedImports = new Set(["@registrar/contract", "@trpc/client", "openapi-fetch"]);

let outDir: string;
let server: TestServer;
beforeAll(async () => {
  // A build of its own (inside the package, so @trpc/client resolves), never touching dist/.
  outDir = await mkdtemp(join(packageDir, "node_modules", ".dist-test-"));
  await promisify(execFile)(process.execPath, [tsc, "-p", "tsconfig.build.json", "--outDir", outDir], {
    cwd: packageDir,
  });
  server = await startTestServer();
}, 120_000);
afterAll(async () => {
  await server?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

function importsOf(code: string): string[] {
  const specifiers = [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)["']([^"']+)["']/g)];
  return specifiers.map((match) => match[1] ?? "");
}

describe("the built package", () => {
  it("emits only the SDK's own modules, as ESM with declarations", async () => {
    const files = await filesUnder(outDir);
    const modules = files.filter((file) => file.endsWith(".js")).sort();
    expect(modules).toEqual([
      "client.js",
      "errors.js",
      "generated/openapi.js",
      "index.js",
      "rest.js",
      "trpc.js",
    ]);
    for (const module of modules) expect(files).toContain(module.replace(/\.js$/, ".d.ts"));
  });

  it("contains no server code and no Node-only API", async () => {
    for (const file of (await filesUnder(outDir)).filter((name) => name.endsWith(".js"))) {
      const code = await readFile(join(outDir, file), "utf8");
      for (const specifier of importsOf(code)) {
        if (specifier.startsWith("./") || specifier.startsWith("../")) {
          expect(specifier, `${file} imports ${specifier}`).toMatch(/\.js$/);
        } else {
          expect(allowedImports.has(specifier), `${file} imports ${specifier}`).toBe(true);
        }
      }
      expect(code, file).not.toMatch(/\brequire\(|\bprocess\.|\bBuffer\b/);
    }
  });

  it("keeps AppRouter a type-only import in the declarations", async () => {
    const declarations = await readFile(join(outDir, "index.d.ts"), "utf8");
    expect(declarations).toContain('export type { AppRouter } from "@registrar/api"');
  });

  it("works against a live server when imported from the build", async () => {
    const sdk = (await import(
      pathToFileURL(join(outDir, "index.js")).href
    )) as typeof import("../src/index.ts");
    const client = sdk.createRegistrarClient({ baseUrl: server.baseUrl });
    const student = await client.trpc.students.create.mutate({ name: "Built", email: "built@example.org" });
    const fetched = await client.rest.GET("/students/{id}", { params: { path: { id: String(student.id) } } });
    expect(fetched.data?.email).toBe("built@example.org");
    const error = await client.trpc.students.byId.query({ id: 1_999_999 }).catch((reason: unknown) => reason);
    expect(sdk.isRegistrarError(error)).toBe(true);
  });
});
