// Bundles the package's declarations into one dist/index.d.ts (the JavaScript is esbuild's,
// see scripts/build-js.mjs). The router's type comes from scripts/published-app-router.ts instead
// of src/app-router.ts, and the workspace's own types (a few of @registrar/core's, @registrar/contract's limits) are
// inlined, so the published declarations refer only to packages the SDK depends on.
import { fileURLToPath } from "node:url";
import { dts } from "rollup-plugin-dts";

const workspaceRouter = fileURLToPath(new URL("src/app-router.ts", import.meta.url));
const publishedRouter = fileURLToPath(new URL("scripts/published-app-router.ts", import.meta.url));

/** What the published declarations may import: the SDK's dependencies and peer dependencies. */
const publishedDependency = /^(@trpc\/client|@trpc\/server|openapi-fetch)(\/|$)/;

/** The published router type in place of the workspace one, for every module that imports it. */
const publishedAppRouter = {
  name: "published-app-router",
  async resolveId(source, importer, options) {
    if (importer === publishedRouter) return null;
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    return resolved?.id === workspaceRouter ? publishedRouter : null;
  },
};

/** Fails the build when the bundle would import anything a consumer does not install with the SDK. */
const onlyPublishedDependencies = {
  name: "only-published-dependencies",
  generateBundle(_options, bundle) {
    for (const output of Object.values(bundle)) {
      const leaked =
        output.type === "chunk" ? output.imports.filter((id) => !publishedDependency.test(id)) : [];
      if (leaked.length > 0) this.error(`${output.fileName} would import ${leaked.join(", ")}`);
    }
  },
};

export default {
  input: "src/index.ts",
  output: { file: "dist/index.d.ts", format: "es" },
  external: publishedDependency,
  plugins: [
    publishedAppRouter,
    dts({
      tsconfig: "tsconfig.json",
      includeExternal: ["@registrar/core", "@registrar/contract"],
      // The plugin keeps symlinked paths by default; through pnpm's links the inferred router
      // type could then name core only as `@registrar/api/node_modules/@registrar/core`.
      compilerOptions: { preserveSymlinks: false },
    }),
    onlyPublishedDependencies,
  ],
  // A warning here is a declaration that would leak (an unresolved or unbundled import): fail.
  onwarn(warning) {
    throw new Error(`rollup: ${warning.message}`);
  },
};
