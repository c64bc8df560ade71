#!/usr/bin/env node
// `pnpm start`: builds the web UI and bundles the server only when their sources changed
// since the last build (each would cost a second or more of every start otherwise), then
// runs the bundled server, in this process: a second node process cost every start its own
// boot and spawn (~60-80 ms of a ~1 s start to the first 200 of /health/ready, 2 vCPU) and
// ~50 MB of resident memory for a wrapper that only passed signals on.
//
// The root package.json runs this as `exec node scripts/start.mjs`: pnpm runs scripts with
// `sh -c`, and dash, when Ctrl-C reaches it while it waits for a child, kills itself with
// SIGINT after the child exits, whatever the child's exit code, so pnpm would report
// "Command failed" after every clean stop. With exec there is no shell in between.
//
// It runs with glibc's malloc thresholds fixed at 1 MiB (unless the caller sets its own).
// By default glibc raises them whenever a large mapped block is freed (to up to 32 MB for
// mapping, 64 MB for trimming), after which such blocks come from the threads' arenas and,
// freed, stay resident there; V8's threads compiling PGlite's WebAssembly during the start
// leave 40-90 MB that way, which the server never uses again. Fixed, blocks of 1 MiB or more are
// mapped and unmapped, and an arena returns its free top above 1 MiB. On an existing PGlite
// directory, idle 5 s after /health/ready (8 starts each, alternating): 208-251 MiB by
// default, 175-204 MiB fixed; under the read bench on PostgreSQL (8 alternating rounds) 454 vs
// 401 µs of CPU per request, RSS 361 vs 274 MiB (medians). The start costs ~3-15% more CPU
// (mostly on the compiling threads; to the first 200 of /health/ready +0-40 ms, within the
// noise). MALLOC_ARENA_MAX=1 saved about as much idle but cost the reads ~10% of CPU (the
// threads then share one arena's lock). These settings have to be in the environment before
// node starts, so they cannot be made here.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const web = join(root, "apps", "web");
const serverDir = join(root, "apps", "server");
const builtIndex = join(web, "dist", "index.html");
const bundle = join(serverDir, "dist", "main.mjs");
// The CommonJS bundle main.mjs runs, and the child a first start creates its cluster in
// (apps/server/scripts/bundle.mjs).
const bundleBody = join(serverDir, "dist", "main.cjs");
const clusterChild = join(serverDir, "dist", "main.cluster-child.cjs");
const serverInputs = [
  ...["apps/server", "packages/api", "packages/contract", "packages/core", "packages/db"].flatMap((dir) => [
    join(root, dir, "src"),
    join(root, dir, "package.json"),
  ]),
  join(serverDir, "scripts", "bundle.mjs"),
  join(serverDir, "scripts", "bundle-launcher.mjs"),
  join(root, "pnpm-lock.yaml"),
];
const webInputs = [
  join(web, "src"),
  join(web, "public"),
  join(web, "index.html"),
  join(web, "vite.config.ts"),
  join(web, "package.json"),
  join(root, "packages", "sdk", "src"),
  join(root, "packages", "contract", "src"),
];

function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

/** True when `output` is missing or older than any file under `inputs`. */
function stale(output, inputs) {
  const builtAt = existsSync(output) ? statSync(output).mtimeMs : 0;
  return inputs.some((input) => newestChange(input) > builtAt);
}

if (stale(builtIndex, webInputs)) {
  console.error("building the web UI (its sources changed since the last build)…");
  // vite's exports map hides its bin; its package.json says where the bin is
  const vitePackage = createRequire(join(web, "package.json")).resolve("vite/package.json");
  const vite = join(dirname(vitePackage), "bin", "vite.js");
  const build = spawnSync(process.execPath, [vite, "build", "--logLevel", "warn"], {
    cwd: web,
    stdio: "inherit",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

if (stale(bundle, serverInputs) || !existsSync(bundleBody) || !existsSync(clusterChild)) {
  console.error("bundling the server (its sources changed since the last bundle)…");
  const { bundleServer } = await import(pathToFileURL(join(serverDir, "scripts", "bundle.mjs")).href);
  await bundleServer();
}

// The server takes its own SIGINT/SIGTERM (graceful shutdown, apps/server/src/stop-signals.ts)
// and exits with its own code: 0 after a graceful stop, so pnpm reports nothing. Relative
// PGLITE_DIR paths are taken from where the user ran the command (pnpm sets INIT_CWD; when
// this script is run directly, that is our own working directory), and the server runs from
// its own folder, as `pnpm --filter @registrar/server start` would run it.
process.env.INIT_CWD ??= process.cwd();
process.chdir(serverDir);
await import(pathToFileURL(bundle).href);
