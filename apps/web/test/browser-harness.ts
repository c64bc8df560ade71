import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { type BrowserContext, chromium, type Page } from "playwright-core";

const webRoot = join(dirname(fileURLToPath(import.meta.url)), "..");
const viteBin = join(webRoot, "node_modules", "vite", "bin", "vite.js");
const runFile = promisify(execFile);

/** Debian's chromium (installed by .ci/run from .ci/system-packages); never a downloaded browser. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const inCi = process.env.CI === "true" || process.env.CI === "1";

/**
 * Whether the browser tests can run. Without chromium they are skipped with a notice on a
 * developer's machine; under CI a missing browser is a failure, never a silent skip.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(chromiumPath)) return true;
  if (inCi) throw new Error(`CI=true but ${chromiumPath} is missing: list chromium in .ci/system-packages.`);
  console.log(
    `\nNOTICE: ${chromiumPath} not found; the browser tests are SKIPPED. Install it with apt-get install chromium.\n`,
  );
  return false;
}

/** Screenshots land here (git-ignored), one per page and database. */
export const screenshotDir = join(webRoot, "test-results", "screenshots");

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${process.env.REGISTRAR_TEST_DB ?? "pglite"}-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A production build of the web UI in a temp folder, as `pnpm start` would serve it. */
export async function buildWebUi(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "registrar-web-dist-"));
  // A child process with NODE_ENV=production, as `pnpm build` runs it: inside vitest
  // NODE_ENV is "test", which would give React's development build and JSX transform.
  await runFile(
    process.execPath,
    [viteBin, "build", "--logLevel", "warn", "--outDir", dir, "--emptyOutDir"],
    {
      cwd: webRoot,
      env: { ...process.env, NODE_ENV: "production" },
    },
  );
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Headless chromium with a fresh profile, nothing phoning home. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = await mkdtemp(join(tmpdir(), "registrar-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1200, height: 800 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
