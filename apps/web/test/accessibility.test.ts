import { createRegistrarTrpcClient, type RegistrarTrpcClient } from "@registrar/sdk";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  buildWebUi,
  chromiumAvailable,
  cspViolations,
  describeAxeResult,
  launchBrowser,
  recordCspViolations,
  runAxe,
  screenshot,
} from "./browser-harness.ts";

// Every page of the UI, with data and empty, checked by axe-core in chromium (0 serious or
// critical violations), plus what axe cannot see: titles, the skip link, focus after an
// error, sorting, a Retry that works. Two servers: one whose database stays empty, one with
// data set up through the SDK.
describe.skipIf(!chromiumAvailable())("web UI accessibility in chromium", { timeout: 90_000 }, () => {
  let webUi: Awaited<ReturnType<typeof buildWebUi>>;
  let server: TestServer;
  let emptyServer: TestServer;
  let api: RegistrarTrpcClient;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    webUi = await buildWebUi();
    server = await startTestServer({ webDistDir: webUi.dir });
    emptyServer = await startTestServer({ webDistDir: webUi.dir });
    api = createRegistrarTrpcClient({ baseUrl: server.baseUrl });
    browser = await launchBrowser();
    context = browser.context;
    context.setDefaultTimeout(15_000);
    // axe goes into pages whose Content-Security-Policy allows nothing inline: it must not
    // need an exception, so every page records what the policy refused, and afterEach wants none.
    await recordCspViolations(context);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await emptyServer?.close();
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

  /** axe on the page as it is now: no serious or critical violation; a screenshot for the record. */
  async function checkPage(name: string): Promise<void> {
    const result = await runAxe(page);
    console.log(describeAxeResult(name, result));
    // "a11y-" keeps these apart from browser.test.ts's screenshots in the same folder
    console.log(`screenshot: ${await screenshot(page, `a11y-${name}`)}`);
    expect(result.rulesPassed, "axe checked nothing").toBeGreaterThan(10);
    const serious = result.violations.filter(
      (violation) => violation.impact === "serious" || violation.impact === "critical",
    );
    expect(serious, `serious or critical axe violations on ${name}`).toEqual([]);
  }

  const activeElement = () =>
    page.evaluate<{
      tag: string;
      text: string;
      id: string;
      describedBy: string | null;
      invalid: string | null;
    }>(
      `(() => { const element = document.activeElement; return {
        tag: element.tagName.toLowerCase(), text: (element.textContent || "").trim(), id: element.id,
        describedBy: element.getAttribute("aria-describedby"), invalid: element.getAttribute("aria-invalid") }; })()`,
    );

  it("passes axe on every page of an empty database, each saying what to do", async () => {
    const url = (path: string) => `${emptyServer.baseUrl}${path}`;

    await page.goto(url("/app/students"));
    await page.getByText("No students yet. To add the first one").waitFor();
    expect(await page.title()).toBe("Students — Registrar");
    await checkPage("empty-students");

    await page.goto(url("/app/courses"));
    await page.getByText("No courses yet. To add the first one").waitFor();
    expect(await page.title()).toBe("Courses — Registrar");
    await checkPage("empty-courses");

    await page.goto(url("/app/terms"));
    await page.getByText("No terms yet. To add the first one").waitFor();
    expect(await page.title()).toBe("Terms — Registrar");
    await checkPage("empty-terms");

    await page.goto(url("/app/webhooks"));
    await page.getByText("No webhooks yet. To add the first one").waitFor();
    expect(await page.title()).toBe("Webhooks — Registrar");
    await checkPage("empty-webhooks");

    await page.goto(url("/app/api-key"));
    await page.getByText("No API key is set.").waitFor();
    expect(await page.title()).toBe("API key — Registrar");
    await checkPage("api-key");

    await page.goto(url("/app/no-such-page"));
    await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    expect(await page.title()).toBe("Page not found — Registrar");
    await checkPage("not-found");

    // a record that does not exist: said in plain words, no Retry (it would answer the same)
    await page.goto(url("/app/students/1"));
    await page.getByRole("heading", { level: 1, name: "Student not found" }).waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("This student does not exist");
    expect(await page.getByRole("button", { name: /Retry/ }).count()).toBe(0);
    expect(await page.title()).toBe("Student not found — Registrar");
    await checkPage("student-not-found");
  });

  it("passes axe on every page with data: lists, a search with no match, a student, a roster", async () => {
    const url = (path: string) => `${server.baseUrl}${path}`;
    const [zoe, ada, bob] = await Promise.all(
      [
        { name: "Zoe Quinn", email: "a-zoe@example.org" },
        { name: "Ada Byron", email: "c-ada@example.org" },
        { name: "Bob Moses", email: "b-bob@example.org" },
      ].map((student) => api.students.create.mutate(student)),
    );
    if (!zoe || !ada || !bob) throw new Error("students not created");
    const geometry = await api.courses.create.mutate({ name: "Geometry", level: "beginner", capacity: 3 });
    const latin = await api.courses.create.mutate({ name: "Latin", level: "advanced", capacity: 1 });
    const poetry = await api.courses.create.mutate({ name: "Poetry", level: "intermediate" });
    const silence = await api.courses.create.mutate({ name: "Silence", level: "advanced", capacity: 5 });
    for (const student of [zoe, ada, bob]) {
      await api.enrollments.assign.mutate({ studentId: student.id, courseIds: [geometry.id] });
    }
    await api.enrollments.assign.mutate({ studentId: ada.id, courseIds: [latin.id, poetry.id] });

    await page.goto(url("/app/students"));
    await page.getByRole("link", { name: "Zoe Quinn" }).waitFor();
    await checkPage("students");

    await page.getByLabel("Search students").fill("nobody-by-this-name");
    await page.getByText("No student’s name or email contains “nobody-by-this-name”").waitFor();
    await checkPage("students-search-no-match");
    await page.getByRole("button", { name: "Clear the search" }).click();
    await page.getByRole("link", { name: "Zoe Quinn" }).waitFor();
    expect((await activeElement()).tag).toBe("input");

    // the courses list: a full course, a course without a seat limit, a course nobody takes;
    // each seat cell is read once, through its meter, not again through the visible text
    await page.goto(url("/app/courses"));
    const geometryBar = page.getByRole("meter", { name: "Seats taken in Geometry" });
    await geometryBar.waitFor();
    expect(await geometryBar.getAttribute("aria-valuetext")).toBe("3 of 3 seats taken, full");
    // a cell's name is what a screen reader reads for it: the meter's value, once
    const seatCell = (name: string) => page.getByRole("cell", { name, exact: true });
    expect(await seatCell("3 of 3 seats taken, full").count()).toBe(1);
    expect(await seatCell("1 of 1 seat taken, full").count()).toBe(1);
    expect(await seatCell("0 of 5 seats taken").count()).toBe(1);
    expect(await seatCell("1 enrolled, no seat limit").count()).toBe(1);
    await checkPage("courses");

    // a roster, sorted in the browser (it is loaded whole), with aria-sort on the header in use
    await page.goto(url(`/app/courses/${geometry.id}`));
    const roster = page.getByRole("table", { name: "Students enrolled in Geometry" });
    await roster.getByRole("link", { name: "Zoe Quinn" }).waitFor();
    expect(await page.title()).toBe(`Geometry (course ${geometry.id}) — Registrar`);
    const rosterNames = () => roster.locator("tbody tr td:first-child").allTextContents();
    const studentHeader = roster.getByRole("columnheader", { name: "Student" });
    const emailHeader = roster.getByRole("columnheader", { name: "Email" });
    expect(await studentHeader.getAttribute("aria-sort")).toBe("ascending");
    expect(await rosterNames()).toEqual(["Ada Byron", "Bob Moses", "Zoe Quinn"]);
    await emailHeader.getByRole("button").click();
    expect(await emailHeader.getAttribute("aria-sort")).toBe("ascending");
    expect(await studentHeader.getAttribute("aria-sort")).toBeNull();
    expect(await rosterNames()).toEqual(["Zoe Quinn", "Bob Moses", "Ada Byron"]);
    await emailHeader.getByRole("button").click();
    expect(await emailHeader.getAttribute("aria-sort")).toBe("descending");
    expect(await rosterNames()).toEqual(["Ada Byron", "Bob Moses", "Zoe Quinn"]);
    await page
      .getByRole("table", { name: "Students enrolled in Geometry, sorted by email, descending" })
      .waitFor();
    await checkPage("roster");

    await page.goto(url(`/app/courses/${silence.id}`));
    await page.getByText("Nobody is enrolled in Silence yet.").waitFor();
    await checkPage("roster-empty");

    // a student's courses, sorted the same way; and a student with none
    await page.goto(url(`/app/students/${ada.id}`));
    const enrolled = page.getByRole("table", { name: "Courses Ada Byron is enrolled in" });
    await enrolled.getByRole("link", { name: "Poetry" }).waitFor();
    expect(await page.title()).toBe(`Ada Byron (student ${ada.id}) — Registrar`);
    const courseNames = () => enrolled.locator("tbody tr td:first-child").allTextContents();
    expect(await courseNames()).toEqual(["Geometry", "Latin", "Poetry"]);
    await enrolled.getByRole("columnheader", { name: "Level" }).getByRole("button").click();
    expect(await courseNames()).toEqual(["Latin", "Geometry", "Poetry"]);
    await checkPage("student");

    await enrolled.getByRole("button", { name: "Drop Latin" }).click();
    await page.getByRole("dialog", { name: "Drop course?" }).waitFor();
    await checkPage("student-drop-confirm");
    await page.getByRole("dialog").getByRole("button", { name: "Drop course" }).click();
    await page.getByRole("status").filter({ hasText: "Dropped Latin." }).waitFor();
    // the removed row held the focus: it goes to the list's heading, not to the page's end
    await expect.poll(activeElement).toMatchObject({ tag: "h2", text: "Enrolled courses" });
    await enrolled.getByRole("link", { name: "Latin" }).waitFor({ state: "detached" });

    const newcomer = await api.students.create.mutate({ name: "New Comer", email: "new@example.org" });
    await page.goto(url(`/app/students/${newcomer.id}`));
    await page.getByText("Not enrolled in any course yet. To enroll New Comer").waitFor();
    await page.getByRole("group", { name: /Choose courses/ }).waitFor();
    await checkPage("student-no-courses");
  });

  it("passes axe on the v1.1 states: terms, a refused delete, a waitlist, statuses, history, editing, sorting", async () => {
    const url = (path: string) => `${server.baseUrl}${path}`;
    const term = await api.terms.create.mutate({
      name: "Term A11y",
      startsOn: "2027-01-01",
      endsOn: "2027-06-30",
    });
    const course = await api.courses.create.mutate({
      name: "Debate",
      level: "beginner",
      code: "DB-1",
      termId: term.id,
      capacity: 1,
      waitlistCapacity: 2,
    });
    const other = await api.courses.create.mutate({ name: "Music", level: "beginner", code: "MU-1" });
    const seated = await api.students.create.mutate({ name: "Sam Seated", email: "sam.seated@example.org" });
    const waiting = await api.students.create.mutate({ name: "Wanda Waiting", email: "wanda@example.org" });
    await api.enrollments.assign.mutate({ studentId: seated.id, courseIds: [course.id] });
    await api.enrollments.assign.mutate({ studentId: waiting.id, courseIds: [other.id] });
    await api.enrollments.assign.mutate({ studentId: waiting.id, courseIds: [course.id], waitlist: true });
    await api.enrollments.remove.mutate({
      studentId: waiting.id,
      courseId: other.id,
      reason: "Timetable clash",
    });

    await page.goto(url("/app/terms"));
    await page.getByRole("cell", { name: "Term A11y", exact: true }).waitFor();
    await checkPage("terms");
    await page.getByRole("button", { name: "Delete Term A11y" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete term?" });
    await dialog.getByRole("button", { name: "Delete term" }).click();
    await dialog.getByRole("alert").waitFor();
    await checkPage("terms-delete-in-use");
    await dialog.getByRole("button", { name: "Cancel" }).click();

    await page.goto(url("/app/courses"));
    await page.getByLabel("Search courses").fill("nothing-like-it");
    await page.getByText("No course’s name or code contains “nothing-like-it”.").waitFor();
    await checkPage("courses-search-no-match");
    await page.getByRole("button", { name: "Clear the search" }).click();
    await page.getByRole("link", { name: "Debate (DB-1, Term A11y)" }).waitFor();
    const seats = page.getByRole("columnheader", { name: "Seats" });
    await seats.getByRole("button").click();
    await expect.poll(() => seats.getAttribute("aria-sort")).toBe("ascending");
    await checkPage("courses-sorted");

    await page.goto(url(`/app/courses/${course.id}`));
    await page.getByRole("table", { name: "Waitlist of Debate (DB-1, Term A11y)" }).waitFor();
    expect(await page.title()).toBe(`Debate (DB-1, Term A11y) (course ${course.id}) — Registrar`);
    await checkPage("roster-waitlist");
    await page.getByRole("button", { name: "Edit course" }).click();
    await page.getByRole("form", { name: "Edit course" }).waitFor();
    await checkPage("course-edit");
    await page.getByRole("button", { name: "Delete course" }).click();
    await page.getByRole("dialog", { name: "Delete course?" }).waitFor();
    await checkPage("course-delete-confirm");
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

    await page.goto(url(`/app/students/${waiting.id}`));
    await page.getByRole("cell", { name: "Waitlisted, position 1" }).waitFor();
    await page.getByRole("table", { name: "Courses Wanda Waiting dropped or completed" }).waitFor();
    await page.getByText("Reason: Timetable clash").waitFor();
    await checkPage("student-statuses-history");
    await page.getByRole("button", { name: "Edit student" }).click();
    await page.getByRole("form", { name: "Edit student" }).waitFor();
    await checkPage("student-edit");
    await page.getByRole("button", { name: "Delete student" }).click();
    await page.getByRole("dialog", { name: "Delete student?" }).waitFor();
    await checkPage("student-delete-confirm");
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

    await page.goto(url("/app/students"));
    const nameHeader = page.getByRole("columnheader", { name: "Name" });
    await nameHeader.getByRole("button").click();
    await expect.poll(() => nameHeader.getAttribute("aria-sort")).toBe("ascending");
    await checkPage("students-sorted");
  });

  it("passes axe on the webhooks pages: a refused URL on its field, the secret shown once, a webhook, deleting it", async () => {
    const url = (path: string) => `${server.baseUrl}${path}`;
    // This file's servers keep the strict network policy (no WEBHOOK_ALLOW_PRIVATE_NETWORKS):
    // a loopback receiver is refused. A name that does not resolve yet is accepted (it is
    // checked again at every delivery), and nothing delivers here.
    const listed = await api.webhooks.create.mutate({
      url: "https://lms.example.org/registrar-hooks",
      eventTypes: ["enrollment.*", "student.created"],
      description: "LMS enrollment sync",
    });
    await page.goto(url("/app/webhooks"));
    await page.getByRole("link", { name: "https://lms.example.org/registrar-hooks" }).waitFor();
    await checkPage("webhooks");

    const form = page.getByRole("form", { name: "Add a webhook" });
    await form.getByLabel("Receiver URL").fill("http://127.0.0.1:9/hooks");
    await form.getByRole("checkbox", { name: "All enrollment.*" }).check();
    await form.getByRole("button", { name: "Add webhook" }).click();
    const refusal = form.getByRole("alert");
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain("Registrar does not send webhooks to this address");
    // the refusal blames the URL: the field is marked, described by the message, and focused
    await expect.poll(activeElement).toMatchObject({ tag: "input", invalid: "true" });
    expect((await activeElement()).describedBy).toBe(await refusal.getAttribute("id"));
    await checkPage("webhooks-url-forbidden");

    await form.getByLabel("Receiver URL").fill("https://sis.example.org/hooks");
    await form.getByRole("button", { name: "Add webhook" }).click();
    const secret = page.getByRole("region", { name: /^Signing secret of webhook \d+$/ });
    await secret.waitFor();
    await expect.poll(activeElement).toMatchObject({ tag: "h2" });
    await checkPage("webhooks-secret");
    await secret.getByRole("button", { name: "Done, hide the secret" }).click();
    await secret.waitFor({ state: "detached" });

    await page.goto(url(`/app/webhooks/${listed.id}`));
    await page.getByText("Nothing delivered yet.").waitFor();
    expect(await page.title()).toBe(`Webhook ${listed.id} — Registrar`);
    await checkPage("webhook-no-deliveries");
    await page.getByRole("button", { name: "Delete webhook" }).click();
    await page.getByRole("dialog", { name: "Delete webhook?" }).waitFor();
    await checkPage("webhook-delete-confirm");
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  });

  it("starts every page with a skip link to the content, and moves focus to a new page's heading", async () => {
    const url = (path: string) => `${server.baseUrl}${path}`;
    await page.goto(url("/app/courses"));
    await page.getByRole("heading", { level: 1, name: "Courses" }).waitFor();
    await page.keyboard.press("Tab");
    const skipLink = page.getByRole("link", { name: "Skip to main content" });
    expect(await activeElement()).toMatchObject({ tag: "a", text: "Skip to main content" });
    expect(await skipLink.isVisible()).toBe(true);
    await page.keyboard.press("Enter");
    expect(await activeElement()).toMatchObject({ tag: "h1", text: "Courses" });
    expect(page.url()).toBe(url("/app/courses"));
    // the next Tab goes on from the content (the form's first field), past the navigation
    await page.keyboard.press("Tab");
    expect((await activeElement()).tag).toBe("input");

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Students" }).click();
    await page.getByRole("heading", { level: 1, name: "Students" }).waitFor();
    await expect.poll(async () => (await activeElement()).tag).toBe("h1");
    expect(await page.title()).toBe("Students — Registrar");
  });

  it("shows a failed submission beside the form, on the field it blames, which gets the focus", async () => {
    const url = (path: string) => `${server.baseUrl}${path}`;
    await api.students.create.mutate({ name: "Taken Email", email: "taken@example.org" });
    await page.goto(url("/app/students"));
    await page.getByLabel("Name").fill("Someone Else");
    await page.getByLabel("Email").fill("taken@example.org");
    await page.getByRole("button", { name: "Add student" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("Another student already uses this email address.");
    // the message sits in the form, right under the fields, and describes the email field
    expect(await page.getByRole("form", { name: "Add a student" }).getByRole("alert").count()).toBe(1);
    await expect.poll(async () => (await activeElement()).tag).toBe("input");
    const focused = await activeElement();
    expect(focused.invalid).toBe("true");
    expect(focused.describedBy).toBe(await alert.getAttribute("id"));
    expect(await page.getByRole("button", { name: "Add student" }).getAttribute("aria-describedby")).toBe(
      await alert.getAttribute("id"),
    );
    await checkPage("students-email-taken");
  });

  it("offers Retry when a list or a record cannot be loaded, and Retry loads it", async () => {
    const url = (path: string) => `${server.baseUrl}${path}`;
    // the server out of reach: every call fails as a dropped connection would
    await page.route("**/trpc/**", (route) => route.abort("connectionrefused"));
    await page.goto(url("/app/students"));
    const retry = page.getByRole("button", { name: "Retry loading students" });
    await retry.waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("cannot be reached");
    await checkPage("students-load-error");

    await page.unroute("**/trpc/**");
    await retry.focus();
    await page.keyboard.press("Enter");
    await page.getByRole("table", { name: /Students/ }).waitFor();
    expect(await retry.count()).toBe(0);
    // the button that had the focus is gone: it moves to the page's heading
    await expect.poll(async () => (await activeElement()).tag).toBe("h1");

    const student = await api.students.create.mutate({ name: "Retry Person", email: "retry@example.org" });
    await page.route("**/trpc/**", (route) => route.abort("connectionrefused"));
    await page.goto(url(`/app/students/${student.id}`));
    await page
      .getByRole("heading", { level: 1, name: `Student ${student.id} could not be loaded` })
      .waitFor();
    await checkPage("student-load-error");
    await page.unroute("**/trpc/**");
    await page.getByRole("button", { name: "Retry loading the student" }).click();
    await page.getByRole("heading", { level: 1, name: "Retry Person" }).waitFor();
    // the Retry loads the whole page again, not the student alone: no second error below
    await page.getByText("Not enrolled in any course yet.").waitFor();
    expect(await page.getByRole("alert").count()).toBe(0);
  });
});
