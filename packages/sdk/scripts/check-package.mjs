#!/usr/bin/env node
// Lints the package as it would be published: publint (warnings count as errors) and
// arethetypeswrong. The package is ESM only; the one rule waived is "a require() resolves to
// ESM", since Node.js 20.19 and newer (the package's engines) load ESM with require(), which
// test/package.test.ts runs.
//
//   node scripts/check-package.mjs [tarball ...]
//
// With no tarball it packs the package with npm first (which builds it: `prepack`).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => join(packageDir, "node_modules", ".bin", name);
// Colours only on a terminal: this output is also read by a test and kept in CI logs.
const env = process.stdout.isTTY ? process.env : { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };

function step(command, args) {
  const result = spawnSync(command, args, { cwd: packageDir, env, stdio: "inherit" });
  return result.status === 0;
}

let tarballs = process.argv.slice(2);
let packDir;
if (tarballs.length === 0) {
  packDir = mkdtempSync(join(tmpdir(), "registrar-sdk-check-"));
  if (!step("npm", ["pack", "--pack-destination", packDir])) process.exit(1);
  tarballs = readdirSync(packDir).map((file) => join(packDir, file));
}

let ok = true;
for (const tarball of tarballs) {
  console.log(`\n== ${tarball}`);
  ok = step(bin("publint"), ["run", tarball, "--strict"]) && ok;
  ok =
    step(bin("attw"), [
      tarball,
      "--ignore-rules",
      "cjs-resolves-to-esm",
      "--format",
      "ascii",
      "--no-color",
    ]) && ok;
}
if (packDir) rmSync(packDir, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
