import { startTestServer, type TestServer } from "@registrar/server/testing";
import { strFromU8, strToU8, unzipSync, zipSync } from "fflate";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  buildWebUi,
  chromiumAvailable,
  cspViolations,
  describeAxeResult,
  docsScreenshot,
  launchBrowser,
  recordCspViolations,
  runAxe,
  screenshot,
} from "./browser-harness.ts";

/**
 * A package as another school's Registrar writes it (its OneRoster export): three students,
 * two of them in a class, plus one enrollment whose class the package lacks, which the
 * import must report and skip.
 */
async function otherSchoolsPackage(): Promise<Uint8Array> {
  const source = await startTestServer({ school: { name: "Jemison Academy", sourcedId: "org-jemison" } });
  try {
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${source.baseUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(response.status, await response.clone().text()).toBe(201);
      return (await response.json()) as { id: number };
    };
    const astronomy = await post("/courses", { name: "Astronomy", level: "beginner", code: "AST-1" });
    const students = [];
    for (const [name, email] of [
      ["Mae Carol Jemison", "mae@jemison.example"],
      ["Katherine Johnson", "katherine@jemison.example"],
      ["Sally Ride", "sally@jemison.example"],
    ])
      students.push(await post("/students", { name, email }));
    for (const student of students.slice(0, 2)) {
      await post(`/students/${student.id}/courses`, { course_ids: [astronomy.id] });
    }
    const exported = await fetch(`${source.baseUrl}/oneroster/export`);
    expect(exported.status).toBe(200);
    const files = unzipSync(new Uint8Array(await exported.arrayBuffer()));
    const lines = strFromU8(files["enrollments.csv"] ?? new Uint8Array())
      .trimEnd()
      .split("\r\n");
    // A copy of the first enrollment (no cell of it is quoted), in a class not in the package.
    const cells = (lines[1] ?? "").split(",");
    cells[0] = "enr-lost-class";
    cells[3] = "cls-not-in-this-package";
    files["enrollments.csv"] = strToU8(`${[...lines, cells.join(",")].join("\r\n")}\r\n`);
    return zipSync(files);
  } finally {
    await source.close();
  }
}

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
    await recordCspViolations(context);
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
    const refused = await cspViolations(page);
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

  async function keepScreenshot(name: string) {
    const kept = await docsScreenshot(page, name);
    if (kept) console.log(`screenshot: ${kept}`);
  }

  const count = async (table: string) =>
    Number((await server.database.db(table).count({ n: "*" }).first())?.n ?? 0);

  it("checks a package (a diff and its errors, nothing written), then applies it", async () => {
    const zip = await otherSchoolsPackage();
    await page.goto(`${server.baseUrl}/app/oneroster`);
    await expect.poll(() => page.title()).toBe("OneRoster — Registrar");
    await checkAxe("oneroster-empty");

    await page.getByLabel(/^OneRoster package \(\.zip/).setInputFiles({
      name: "jemison-academy.zip",
      mimeType: "application/zip",
      buffer: Buffer.from(zip),
    });
    await page.getByRole("button", { name: "Check package" }).click();
    const report = page.getByRole("region", { name: "What this import would change" });
    await expect.poll(() => report.isVisible()).toBe(true);
    await expect
      .poll(() => page.getByRole("status").first().textContent())
      .toContain("Nothing has been written yet.");
    const diff = page.getByRole("table", { name: /Records, by what the import would do/ });
    // created, updated, dropped, unchanged, skipped (rows of other roles: none here; a row
    // with an error is in the errors table, not counted)
    const students = diff.getByRole("row", { name: /Students/ });
    expect(await students.getByRole("cell").allTextContents()).toEqual(["+3", "0", "0", "0", "0"]);
    const enrollments = diff.getByRole("row", { name: /Enrollments/ });
    expect(await enrollments.getByRole("cell").allTextContents()).toEqual(["+2", "0", "0", "0", "0"]);
    const errors = page.getByRole("table", { name: /Errors: these rows are skipped/ });
    expect(await errors.getByRole("row").count()).toBe(2); // the header and the one error
    const error = await errors.getByRole("row").nth(1).getByRole("cell").allTextContents();
    expect(error.slice(0, 4)).toEqual(["enrollments.csv", "4", "enr-lost-class", "missing_reference"]);
    expect(error[4]).toContain("cls-not-in-this-package");
    expect(await count("students")).toBe(0);
    await checkAxe("oneroster-dry-run");
    await keepScreenshot("oneroster-dry-run");

    await page.getByRole("button", { name: "Apply import" }).click();
    await expect.poll(() => page.getByRole("heading", { name: "Import applied" }).isVisible()).toBe(true);
    expect(await page.getByRole("status").first().textContent()).toMatch(
      /^Applied: \d+ changes; 1 row skipped/,
    );
    expect(await page.getByRole("button", { name: "Apply import" }).count()).toBe(0);
    expect(await count("students")).toBe(3);
    expect(await count("student_courses")).toBe(2);
    await checkAxe("oneroster-applied");
    await keepScreenshot("oneroster-applied");
  });

  it("a file that is not a package shows the server's refusal", async () => {
    await page.goto(`${server.baseUrl}/app/oneroster`);
    await page.getByLabel(/^OneRoster package \(\.zip/).setInputFiles({
      name: "roster.zip",
      mimeType: "application/zip",
      buffer: Buffer.from(zipSync({ "users.csv": strToU8("sourcedId\r\nu1") })),
    });
    await page.getByRole("button", { name: "Check package" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("no manifest.csv");
    await checkAxe("oneroster-refused");
  });
});
