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
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
