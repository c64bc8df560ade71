import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import axe from "axe-core";
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

/** Screenshots land here (git-ignored: every run makes them anew), one per page and database. */
export const screenshotDir = join(webRoot, "test", "screenshots");

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${process.env.REGISTRAR_TEST_DB ?? "pglite"}-${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The screenshots kept in the repository (docs/screens/<page>.png), for the README and reviews. */
export const docsScreensDir = join(webRoot, "..", "..", "docs", "screens");

/**
 * A screenshot for docs/screens/, written only when asked (`REGISTRAR_UPDATE_SCREENS=1`,
 * see docs/screens/README.md) and by the PGlite run only: a plain `pnpm test` must leave
 * the checkout as it found it, and both databases show the same page.
 */
export async function docsScreenshot(page: Page, name: string): Promise<string | undefined> {
  if (process.env.REGISTRAR_UPDATE_SCREENS !== "1") return undefined;
  if ((process.env.REGISTRAR_TEST_DB ?? "pglite") !== "pglite") return undefined;
  await mkdir(docsScreensDir, { recursive: true });
  const path = join(docsScreensDir, `${name}.png`);
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

/**
 * Makes every page of `context` record what its Content-Security-Policy refuses, for
 * {@link cspViolations}: a page must need no exception to the policy.
 */
export async function recordCspViolations(context: BrowserContext): Promise<void> {
  await context.addInitScript({
    content: `window.cspViolations = [];
      document.addEventListener("securitypolicyviolation", (event) => window.cspViolations.push(
        event.effectiveDirective + " refused " + (event.blockedURI || "inline") + " (" + event.sourceFile + ")"));`,
  });
}

/** What the page's policy refused so far ("script-src refused inline (…)"), one line each. */
export function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate<string[]>("window.cspViolations");
}

/** One rule that failed on a page, as axe-core reports it, cut down to what a log line needs. */
export type AxeViolation = {
  id: string;
  impact: "minor" | "moderate" | "serious" | "critical" | null;
  help: string;
  targets: string[];
};

export type AxeResult = {
  violations: AxeViolation[];
  /** how many rules applied to the page and passed: a check that ran, not a blank page */
  rulesPassed: number;
};

/**
 * Runs axe-core (every rule it has, WCAG and best practices) in the page as it stands. The
 * engine goes in through the DevTools protocol (`evaluate`), not a <script> tag, which the
 * pages' Content-Security-Policy would refuse.
 */
export async function runAxe(page: Page): Promise<AxeResult> {
  if (!(await page.evaluate("typeof window.axe === 'object'"))) await page.evaluate(axe.source);
  // a script as text: it runs in the page, and this file is typed for Node
  return page.evaluate<AxeResult>(`axe.run(document, { resultTypes: ["violations"] }).then((results) => ({
    rulesPassed: results.passes.length,
    violations: results.violations.map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? null,
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.join(" ")),
    })),
  }))`);
}

/** "axe students: 0 serious or critical, 31 rules passed; moderate region (2)": one page's log line. */
export function describeAxeResult(name: string, { violations, rulesPassed }: AxeResult): string {
  const serious = violations.filter(
    (violation) => violation.impact === "serious" || violation.impact === "critical",
  );
  const others = violations
    .filter((violation) => !serious.includes(violation))
    .map((violation) => `${violation.impact} ${violation.id} (${violation.targets.length})`);
  const lines = [
    `axe ${name}: ${serious.length} serious or critical, ${rulesPassed} rules passed`,
    ...others,
  ];
  for (const violation of serious) {
    lines.push(`  ${violation.impact} ${violation.id}: ${violation.help} at ${violation.targets.join(", ")}`);
  }
  return lines.join("; ");
}
