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
    globalSetup: ["./packages/db/src/testing-global-setup.ts"],
    // Each test file owns a database; two cores, so a few files at a time.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
