/**
 * Inside the workspace the CLI and its tests run @registrar/sdk from its TypeScript source,
 * never from a packages/sdk/dist left by an earlier build (the package's default export).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { RegistrarError } from "@registrar/sdk";
import { expect, it } from "vitest";
import { RegistrarError as RegistrarErrorInSource } from "../../../packages/sdk/src/errors.ts";

const cliDir = fileURLToPath(new URL("..", import.meta.url));
const sdkSource = new URL("../../../packages/sdk/src/index.ts", import.meta.url).href;

it("imports the SDK's source in tests", () => {
  expect(RegistrarError).toBe(RegistrarErrorInSource);
});

it("resolves the SDK to its source in the registrar process", async () => {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      "--import",
      "./bin/workspace-loader.mjs",
      "--input-type=module",
      "--eval",
      'console.log(import.meta.resolve("@registrar/sdk"))',
    ],
    { cwd: cliDir },
  );
  expect(stdout.trim()).toBe(sdkSource);
});
