import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import { strToU8, zipSync } from "fflate";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  buildWebUi,
  chromiumAvailable,
  describeAxeResult,
  launchBrowser,
  runAxe,
  screenshot,
} from "./browser-harness.ts";

/** ../shared/fixtures/oneroster (see its SOURCE.md), read where it is. */
const fixture = join(process.cwd(), "../shared/fixtures/oneroster/v1p2_full_dataset.zip");

describe.skipIf(!chromiumAvailable())("the OneRoster page in chromium", { timeout: 90_000 }, () => {
  let webUi: Awaited<ReturnType<typeof buildWebUi>>;
  let server: TestServer;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    webUi = await buildWebUi();
    server = await startTestServer({ webDistDir: webUi.dir });
    browser = await launchBrowser();
    context = browser.context;
    context.setDefaultTimeout(15_000);
    await context.addInitScript({
      content: `window.cspViolations = [];
        document.addEventListener("securitypolicyviolation", (event) => window.cspViolations.push(
          event.effectiveDirective + " refused " + (event.blockedURI || "inline") + " (" + event.sourceFile + ")"));`,
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await webUi?.remove();
  });
  beforeEach(async () => {
    page = await context.newPage();
    page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  });
  afterEach(async () => {
    const refused = await page.evaluate("window.cspViolations");
    await page.close();
    expect(refused, "Content-Security-Policy violations").toEqual([]);
  });

  async function checkAxe(name: string) {
    const result = await runAxe(page);
    console.log(describeAxeResult(name, result));
    console.log(`screenshot: ${await screenshot(page, name)}`);
    expect(result.rulesPassed, "axe checked nothing").toBeGreaterThan(10);
    const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious, `serious or critical axe violations on ${name}`).toEqual([]);
  }

  const count = async (table: string) =>
    Number((await server.database.db(table).count({ n: "*" }).first())?.n ?? 0);

  it("checks a package (a diff and its errors, nothing written), then applies it", async () => {
    await page.goto(`${server.baseUrl}/app/oneroster`);
    await expect.poll(() => page.title()).toBe("OneRoster — Registrar");
    await checkAxe("oneroster-empty");

    await page.getByLabel("OneRoster package (.zip, at most 50 MiB)").setInputFiles(fixture);
    await page.getByRole("button", { name: "Check package" }).click();
    const report = page.getByRole("region", { name: "What this import would change" });
    await expect.poll(() => report.isVisible()).toBe(true);
    await expect
      .poll(() => page.getByRole("status").first().textContent())
      .toContain("Nothing has been written yet.");
    const diff = page.getByRole("table", { name: /Records, by what the import would do/ });
    const students = diff.getByRole("row", { name: /Students/ });
    expect(await students.getByRole("cell").allTextContents()).toEqual(["+4", "0", "0", "0", "2"]);
    const enrollments = diff.getByRole("row", { name: /Enrollments/ });
    expect(await enrollments.getByRole("cell").allTextContents()).toEqual(["+2", "0", "0", "0", "2"]);
    const errors = page.getByRole("table", { name: /Errors: these rows are skipped/ });
    const firstError = await errors.getByRole("row").nth(1).getByRole("cell").allTextContents();
    expect(firstError.slice(0, 4)).toEqual([
      "enrollments.csv",
      "6",
      "enr-s-222-12345-987532",
      "missing_reference",
    ]);
    expect(await count("students")).toBe(0);
    await checkAxe("oneroster-dry-run");

    await page.getByRole("button", { name: "Apply import" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Import applied" }).isVisible()).toBe(true);
    expect(await page.getByRole("status").first().textContent()).toMatch(
      /^Applied: 11 changes; 2 rows skipped/,
    );
    expect(await page.getByRole("button", { name: "Apply import" }).count()).toBe(0);
    expect(await count("students")).toBe(4);
    await checkAxe("oneroster-applied");
  });

  it("a file that is not a package shows the server's refusal", async () => {
    await page.goto(`${server.baseUrl}/app/oneroster`);
    await page.getByLabel("OneRoster package (.zip, at most 50 MiB)").setInputFiles({
      name: "roster.zip",
      mimeType: "application/zip",
      buffer: Buffer.from(zipSync({ "users.csv": strToU8("sourcedId\r\nu1") })),
    });
    await page.getByRole("button", { name: "Check package" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("no manifest.csv");
    expect(readFileSync(fixture).byteLength).toBeGreaterThan(0);
    await checkAxe("oneroster-refused");
  });
});
