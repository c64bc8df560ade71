import { resolve } from "node:path";

/**
 * A path the user typed, made absolute. `pnpm registrar` runs from the workspace root, so
 * when the root script launched us, relative paths are taken from where the user was
 * (INIT_CWD), not from the root.
 */
export function userPath(path: string): string {
  const launchedByScript = process.env.npm_lifecycle_event === "registrar";
  const base = launchedByScript ? (process.env.INIT_CWD ?? process.cwd()) : process.cwd();
  return resolve(base, path);
}
