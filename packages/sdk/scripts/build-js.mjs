// The package's JavaScript: one ES module bundled by esbuild. Bundling, not tsc's file per
// module, because the SDK's own workspace imports (@registrar/contract's limits) must travel
// inside the published package: a consumer installs only the dependencies package.json
// names. Those and the peer dependencies stay imports. Declarations: rollup.config.mjs.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const packageDir = fileURLToPath(new URL("..", import.meta.url));
const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
/** What a consumer installs with the SDK; everything else is inlined. */
export const installedWithSdk = [
  ...Object.keys(manifest.dependencies ?? {}),
  ...Object.keys(manifest.peerDependencies ?? {}),
];

/** Builds dist/index.js (or `outfile`). */
export async function buildSdkJavaScript(outfile = "dist/index.js") {
  await build({
    absWorkingDir: packageDir,
    entryPoints: ["src/index.ts"],
    outfile,
    bundle: true,
    format: "esm",
    // browsers and Node alike: no Node built-ins may be pulled in
    platform: "neutral",
    target: "es2022",
    external: installedWithSdk.flatMap((name) => [name, `${name}/*`]),
    logLevel: "warning",
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildSdkJavaScript(process.argv[2]);
