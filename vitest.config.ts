import { defineConfig } from "vitest/config";

/**
 * @registrar/sdk exports its TypeScript source under this condition and its build otherwise
 * (tsconfig.base.json's customConditions says the same to tsc): tests run the source.
 */
const workspaceSource = ["@registrar/source"];

export default defineConfig({
  resolve: { conditions: workspaceSource },
  ssr: { resolve: { conditions: workspaceSource } },
  test: {
    include: ["{apps,packages}/*/{src,test}/**/*.test.{ts,tsx}"],
    globalSetup: ["./packages/db/src/testing-global-setup.ts", "./apps/server/test/global-setup.ts"],
    setupFiles: ["./packages/core/src/testing-file-setup.ts"],
    // Each test file owns a database; two cores, so a few files at a time.
    maxWorkers: 3,
    // Files share a worker and its loaded modules instead of each importing the server,
    // the database drivers and PGlite anew (~2 s of imports per file here, half the time of
    // the server's tests). Safe because each file owns its database and servers and closes
    // them; process-wide settings (configureWebhooks) are reset before each file by the
    // setup file.
    isolate: false,
    // PGlite's WebAssembly stays on V8's baseline compiler in the workers. PGlite compiles
    // its module once a process, so TurboFan's background recompiling of its hot functions
    // is a cost each worker pays once (~2 s of CPU) and a test file's short statements do not
    // earn back; the heaviest files (100,000-row search, 100 concurrent joins) took the same
    // time either way. 36 server and core files on PGlite, 5 alternating runs each: 111.7 ->
    // 106.1 s of CPU, 61.7 -> 59.2 s (means). Same flag as shortLivedPgliteNodeFlags.
    execArgv: ["--liftoff-only"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
