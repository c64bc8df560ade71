import { createRegistrarTrpcClient, type RegistrarTrpcClient } from "@registrar/sdk";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  buildWebUi,
  chromiumAvailable,
  cspViolations,
  launchBrowser,
  recordCspViolations,
  screenshot,
} from "./browser-harness.ts";

// The real product: a production build of the UI served by the real server over a
// database of its own, driven by Debian's chromium. Data the test needs but does not
// exercise through the UI is set up through the SDK.
// A browser on 2 cores beside the rest of the suite is slow: a building step and a few
// clicks can take seconds, so this file allows more than the suite's defaults.
describe.skipIf(!chromiumAvailable())("web UI in chromium", { timeout: 60_000 }, () => {
  let webUi: Awaited<ReturnType<typeof buildWebUi>>;
  let server: TestServer;
  let api: RegistrarTrpcClient;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    webUi = await buildWebUi();
    server = await startTestServer({ webDistDir: webUi.dir });
    api = createRegistrarTrpcClient({ baseUrl: server.baseUrl });
    browser = await launchBrowser();
    context = browser.context;
    context.setDefaultTimeout(15_000);
    // Every page records what its Content-Security-Policy refused; afterEach wants none.
    await recordCspViolations(context);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await webUi?.remove();
  });
  beforeEach(async () => {
    page = await context.newPage();
    // A failing test says why the page broke, not just which element never showed up.
    page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
    page.on("console", (message) => {
      // problem answers (409, 404) are part of the scenarios; anything else is worth seeing
      if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
        console.error(`browser console: ${message.text()}`);
      }
    });
  });
  afterEach(async () => {
    const refused = await cspViolations(page);
    await page.close();
    expect(refused, "Content-Security-Policy violations").toEqual([]);
  });

  const url = (path: string) => `${server.baseUrl}${path}`;

  it("creates a student on the students page, finds them by search, and refuses a taken email", async () => {
    await api.students.create.mutate({ name: "Grace Hopper", email: "grace@example.org" });

    // `/` is the UI too, and shows the students page, under a policy that allows nothing inline
    const home = await page.goto(url("/"));
    expect(home?.headers()["content-security-policy"]).toMatch(/script-src 'self';.*style-src 'self';/);
    await page.waitForURL(url("/app/students"));
    await page.getByRole("link", { name: "Grace Hopper" }).waitFor();

    await page.getByLabel("Name").fill("Ada Lovelace");
    await page.getByLabel("Email").fill("ada@example.org");
    await page.getByRole("button", { name: "Add student" }).click();
    await page.waitForURL(/\/app\/students\/\d+$/);
    await page.getByRole("heading", { level: 1, name: "Ada Lovelace" }).waitFor();

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Students" }).click();
    await page.getByLabel("Search students").fill("lovel");
    await page.getByRole("link", { name: "Ada Lovelace" }).waitFor();
    await expect.poll(() => page.getByRole("link", { name: "Grace Hopper" }).count()).toBe(0);
    console.log(`screenshot: ${await screenshot(page, "students")}`);

    // the same email again, in other letter case: the problem code in plain words
    await page.getByLabel("Search students").fill("");
    await page.getByLabel("Name").fill("Ada Again");
    await page.getByLabel("Email").fill("ADA@example.org");
    await page.getByRole("button", { name: "Add student" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("Another student already uses this email address.");
    expect(page.url()).toBe(url("/app/students"));
  });

  it("enrolls a student in courses, shows a full course refused, and drops a course", async () => {
    const student = await api.students.create.mutate({ name: "Alan Turing", email: "alan@example.org" });
    const rival = await api.students.create.mutate({ name: "Rival Student", email: "rival@example.org" });
    const algebra = await api.courses.create.mutate({ name: "Algebra", level: "beginner", capacity: 30 });
    const biology = await api.courses.create.mutate({ name: "Biology", level: "intermediate" });
    const chemistry = await api.courses.create.mutate({ name: "Chemistry", level: "advanced", capacity: 1 });
    const drama = await api.courses.create.mutate({ name: "Drama", level: "beginner", capacity: 1 });
    await api.enrollments.assign.mutate({ studentId: rival.id, courseIds: [chemistry.id] });

    await page.goto(url(`/app/students/${student.id}`));
    await page.getByRole("heading", { level: 1, name: "Alan Turing" }).waitFor();
    await page.getByText("Not enrolled in any course yet.").waitFor();

    // the multi-select shows seats left and disables the full course
    const picker = page.getByRole("group", { name: /Choose courses/ });
    const chemistryBox = picker.getByRole("checkbox", { name: /Chemistry/ });
    await chemistryBox.waitFor();
    expect(await chemistryBox.isDisabled()).toBe(true);
    expect(
      await picker
        .getByText(/Chemistry/)
        .locator("..")
        .textContent(),
    ).toContain("full");
    expect(await picker.getByRole("listitem").filter({ hasText: "Algebra" }).textContent()).toContain(
      "30 seats left",
    );
    expect(await picker.getByRole("listitem").filter({ hasText: "Biology" }).textContent()).toContain(
      "no seat limit",
    );

    await picker.getByRole("checkbox", { name: /Algebra/ }).check();
    await picker.getByRole("checkbox", { name: /Biology/ }).check();
    await page.getByRole("button", { name: "Enroll in 2 courses" }).click();
    await page.getByRole("status").filter({ hasText: "Enrolled in Algebra, Biology." }).waitFor();
    const enrolledTable = page.getByRole("table", { name: "Courses Alan Turing is enrolled in" });
    await enrolledTable.getByRole("link", { name: "Algebra" }).waitFor();
    await enrolledTable.getByRole("link", { name: "Biology" }).waitFor();
    console.log(`screenshot: ${await screenshot(page, "student")}`);

    // Drama's last seat goes to someone else between showing the page and submitting
    const dramaBox = picker.getByRole("checkbox", { name: /Drama/ });
    await dramaBox.check();
    await api.enrollments.assign.mutate({ studentId: rival.id, courseIds: [drama.id] });
    await page.getByRole("button", { name: "Enroll in 1 course" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("Drama has no seats left. Nothing was changed.");
    // the seat counts are refreshed, so Drama can no longer be chosen
    await expect.poll(() => dramaBox.isDisabled()).toBe(true);
    console.log(`screenshot: ${await screenshot(page, "student-course-full")}`);

    // drop with confirmation
    await enrolledTable.getByRole("button", { name: "Drop Algebra" }).click();
    const dialog = page.getByRole("dialog", { name: "Drop course?" });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain("Drop Alan Turing from Algebra?");
    console.log(`screenshot: ${await screenshot(page, "student-drop-confirm")}`);
    await dialog.getByRole("button", { name: "Drop course" }).click();
    await dialog.waitFor({ state: "hidden" });
    await enrolledTable.getByRole("link", { name: "Algebra" }).waitFor({ state: "detached" });

    const enrolled = await api.enrollments.list.query({ studentId: student.id });
    expect(enrolled.courses.map((course) => course.id)).toEqual([biology.id]);
    // Algebra is back in the picker with all its seats
    expect(await picker.getByRole("listitem").filter({ hasText: "Algebra" }).textContent()).toContain(
      "30 seats left",
    );
    expect(algebra.capacity).toBe(30);
  });

  it("shows capacity bars on the courses page and the roster of a course", async () => {
    const course = await api.courses.create.mutate({ name: "Astronomy", level: "advanced", capacity: 4 });
    const katherine = await api.students.create.mutate({
      name: "Katherine Johnson",
      email: "kj@example.org",
    });
    const mary = await api.students.create.mutate({ name: "Mary Jackson", email: "mj@example.org" });
    for (const student of [katherine, mary]) {
      await api.enrollments.assign.mutate({ studentId: student.id, courseIds: [course.id] });
    }

    await page.goto(url("/app/courses"));
    const bar = page.getByRole("meter", { name: "Seats taken in Astronomy" });
    await bar.waitFor();
    expect(await bar.getAttribute("aria-valuetext")).toBe("2 of 4 seats taken");
    console.log(`screenshot: ${await screenshot(page, "courses")}`);

    await page.getByRole("link", { name: "Astronomy" }).click();
    await page.waitForURL(url(`/app/courses/${course.id}`));
    await page.getByRole("heading", { level: 1, name: "Astronomy" }).waitFor();
    const roster = page.getByRole("table", { name: "Students enrolled in Astronomy" });
    await roster.getByRole("link", { name: "Katherine Johnson" }).waitFor();
    await roster.getByRole("link", { name: "Mary Jackson" }).waitFor();
    console.log(`screenshot: ${await screenshot(page, "roster")}`);

    // a course that does not exist, in plain words
    await page.goto(url("/app/courses/999999"));
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("This course does not exist");
  });

  it("shows the API reference at /docs with no warning, under its Content-Security-Policy", async () => {
    const answer = await page.goto(url("/docs"));
    expect(answer?.headers()["content-security-policy"]).toMatch(/default-src 'none'.*script-src 'self'/);
    await page.getByRole("heading", { name: /Registrar API/ }).waitFor();
    await page.locator(".opblock").first().waitFor();
    expect(await page.locator(".opblock").count()).toBeGreaterThanOrEqual(19);
    // Swagger UI's red box ("Warning" / "Errors") above the operations
    expect(await page.locator(".errors-wrapper").allTextContents()).toEqual([]);
    console.log(`screenshot: ${await screenshot(page, "docs")}`);

    // "Try it out" calls this server (the document's `servers` is "/") and shows the answer
    const listStudents = page.locator("#operations-Students-listStudents");
    await listStudents.locator(".opblock-summary").click();
    await listStudents.getByRole("button", { name: "Execute" }).click();
    const liveStatus = listStudents.locator(".live-responses-table tr.response .response-col_status");
    await liveStatus.first().waitFor();
    expect(await liveStatus.first().textContent()).toContain("200");
  });
});
