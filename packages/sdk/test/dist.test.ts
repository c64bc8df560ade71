import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSdkJavaScript } from "../scripts/build-js.mjs";

const packageDir = fileURLToPath(new URL("..", import.meta.url));

/** The only packages the built JavaScript may import: no server code, no Node built-ins. */
const allowedImports = new Set(["@trpc/client", "openapi-fetch"]);

let outDir: string;
let server: TestServer;
beforeAll(async () => {
  // A build of its own (inside the package, so @trpc/client resolves), never touching dist/.
  outDir = await mkdtemp(join(packageDir, "node_modules", ".dist-test-"));
  await buildSdkJavaScript(join(outDir, "index.js"));
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
  it("is one ES module with the workspace's own code inlined", async () => {
    // the declarations are bundled separately (rollup.config.mjs; test/package.test.ts)
    expect(await filesUnder(outDir)).toEqual(["index.js"]);
    // @registrar/contract travels inside: a consumer installs only the SDK's dependencies
    const code = await readFile(join(outDir, "index.js"), "utf8");
    expect(code).not.toContain("@registrar/");
    expect(code).toMatch(/TRPC_MAX_BATCH_SIZE\s*=\s*50/);
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
