#!/usr/bin/env node
// `pnpm start`: builds the web UI only when its sources changed since the last build (a
// rebuild costs about a second of every start otherwise), then runs the server.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const web = join(root, "apps", "web");
const builtIndex = join(web, "dist", "index.html");
const inputs = [
  join(web, "src"),
  join(web, "public"),
  join(web, "index.html"),
  join(web, "vite.config.ts"),
  join(web, "package.json"),
  join(root, "packages", "sdk", "src"),
];

function newestChange(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestChange(join(path, entry)));
  return newest;
}

const builtAt = existsSync(builtIndex) ? statSync(builtIndex).mtimeMs : 0;
if (inputs.some((input) => newestChange(input) > builtAt)) {
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

const server = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
  cwd: join(root, "apps", "server"),
  stdio: "inherit",
  // relative PGLITE_DIR paths are taken from where the user ran the command (pnpm sets
  // INIT_CWD; when this script is run directly, that is our own working directory)
  // biome-ignore lint/suspicious/noUndeclaredEnvVars: not a turbo task input
  env: { ...process.env, INIT_CWD: process.env.INIT_CWD ?? process.cwd() },
});
// The server handles SIGINT/SIGTERM itself (graceful shutdown); pass them on and wait.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
