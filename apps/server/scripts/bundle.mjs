// Bundles the server (its own sources, the workspace packages and most dependencies) into
// dist/main.cjs, with dist/main.mjs as its entry, which `pnpm start` runs with plain node,
// and beside them dist/main.cluster-child.cjs, the child a first start creates and migrates
// a new PGlite cluster in.
// Why: loading ~150 TypeScript files through tsx and node's ESM loader was most of a cold
// start. On a 2 vCPU machine, `node --import tsx src/main.ts` answered /health/ready after
// 2.8-3.3 s, the bundle after 1.8-2.0 s, on the same existing PGlite directory (the
// embedded database itself opens in ~0.55 s of that).
//
// The bundle is CommonJS so that main.mjs (scripts/bundle-launcher.mjs) can run it from a
// V8 code cache: alternating starts on one existing PGlite directory, 16 each, against the
// ES module bundle before it: 592 → 550 ms to the first 200 of /health/ready (medians);
// compiling the bundle's top level alone 36 → 11 ms.
//
// Run directly (`pnpm --filter @registrar/server build [--outfile dist/other.mjs]`) or
// imported by scripts/start.mjs. The bundle must stay in apps/server/dist (or another folder
// of apps/server): the dependencies left outside it are resolved from there.

import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { build, stop } from "esbuild";

const serverDir = join(dirname(fileURLToPath(import.meta.url)), "..");
export const bundleFile = join(serverDir, "dist", "main.mjs");

/**
 * Our sources find files next to themselves (the web UI's dist, the default PGlite folder,
 * swagger-ui's assets) through `import.meta.url`. In a bundle that would be the bundle's
 * own URL, so each source file keeps its original one.
 */
const keepImportMetaUrl = {
  name: "keep-import-meta-url",
  setup(context) {
    context.onLoad({ filter: /\/(apps|packages)\/[^/]+\/src\/.+\.ts$/ }, async (args) => {
      if (args.path.includes("/node_modules/")) return undefined;
      const source = await readFile(args.path, "utf8");
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: source.replaceAll("import.meta.url", url), loader: "ts" };
    });
  },
};

export async function bundleServer(outfile = bundleFile) {
  try {
    await buildBundle(outfile);
  } finally {
    // esbuild's service process (~130 MB) would otherwise live on beside the server that
    // scripts/start.mjs goes on to run in this same process.
    await stop();
  }
}

/** The CommonJS bundle the entry `outfile` runs: beside it, named as it is, `.cjs`. */
function bundleBodyOf(outfile) {
  if (!outfile.endsWith(".mjs")) throw new Error(`the bundle's entry must be an .mjs file: ${outfile}`);
  return `${outfile.slice(0, -".mjs".length)}.cjs`;
}

/**
 * The child that creates and migrates a new PGlite cluster on a first start
 * (packages/db/src/pglite-cluster.ts), bundled beside the entry so that it too runs with
 * plain node instead of through tsx.
 */
function clusterChildOf(outfile) {
  return `${outfile.slice(0, -".mjs".length)}.cluster-child.cjs`;
}

/** What the server's bundle and its cluster child are built with. */
const nodeBundle = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  // Left to node: PGlite loads its WebAssembly and data files from beside its own module;
  // pino and ioredis are the server's own dependencies and load fine as they are; the
  // rest are database drivers knex and pg only require when asked for (never here).
  external: [
    "@electric-sql/pglite",
    "@electric-sql/pglite/*",
    "pino",
    "ioredis",
    "swagger-ui-dist",
    "pg-native",
    "pg-query-stream",
    "sqlite3",
    "better-sqlite3",
    "mysql",
    "mysql2",
    "mariadb",
    "mariadb/*",
    "oracledb",
    "tedious",
  ],
  plugins: [keepImportMetaUrl],
  logLevel: "warning",
};

async function buildBundle(outfile) {
  const body = bundleBodyOf(outfile);
  const clusterChild = clusterChildOf(outfile);
  await mkdir(dirname(body), { recursive: true });
  await build({
    ...nodeBundle,
    entryPoints: [join(serverDir, "..", "..", "packages", "db", "src", "cluster-child.ts")],
    outfile: clusterChild,
  });
  const { outputFiles } = await build({
    ...nodeBundle,
    entryPoints: [join(serverDir, "src", "run-server.ts")],
    outfile: body,
    write: false,
    define: { REGISTRAR_BUNDLED_CLUSTER_CHILD: JSON.stringify(clusterChild) },
  });
  const [{ contents }] = outputFiles;
  await writeFile(body, contents);
  const buildId = createHash("sha256").update(contents).digest("hex").slice(0, 32);
  await build({
    stdin: {
      contents: `import { launchBundle } from "./bundle-launcher.mjs";\nawait launchBundle(${JSON.stringify(`./${basename(body)}`)}, ${JSON.stringify(buildId)});\n`,
      resolveDir: join(serverDir, "scripts"),
      sourcefile: "main.mjs",
    },
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values } = parseArgs({ options: { outfile: { type: "string" } } });
  const outfile = values.outfile ? resolve(values.outfile) : bundleFile;
  const started = performance.now();
  await bundleServer(outfile);
  console.log(`bundled ${outfile} in ${(performance.now() - started).toFixed(0)} ms`);
}
