import { createRegistrarTrpcClient, type RegistrarTrpcClient } from "@registrar/sdk";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  buildWebUi,
  chromiumAvailable,
  cspViolations,
  docsScreenshot,
  launchBrowser,
  recordCspViolations,
  screenshot,
} from "./browser-harness.ts";

// The v1.1 pages in chromium: terms, courses named with code and term, waitlists with
// positions and promotion, an enrollment's statuses and actions, the history timeline,
// editing and deleting, and the server's search and sort. Data a scenario needs but does
// not exercise through the UI is set up through the SDK.
describe.skipIf(!chromiumAvailable())("v1.1 web UI in chromium", { timeout: 90_000 }, () => {
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
    page.on("console", (message) => {
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
  const logScreens = async (name: string) => {
    console.log(`screenshot: ${await screenshot(page, name)}`);
    const kept = await docsScreenshot(page, name);
    if (kept) console.log(`screenshot: ${kept}`);
  };

  it("creates and edits a term, refuses deleting one in use beside the button, then deletes it", async () => {
    await page.goto(url("/app/terms"));
    await page.getByText("No terms yet.").waitFor();
    expect(await page.title()).toBe("Terms — Registrar");

    const form = page.getByRole("form", { name: "Add a term" });
    await form.getByLabel("Term name").fill("Fall 2026");
    await form.getByLabel("Type").selectOption({ label: "Semester" });
    await form.getByLabel("Starts on").fill("2026-09-01");
    await form.getByLabel("Ends on").fill("2026-12-20");
    await form.getByRole("button", { name: "Add term" }).click();
    await page.getByRole("status").filter({ hasText: "Added Fall 2026" }).waitFor();
    const table = page.getByRole("table", { name: "Terms" });
    await table.getByRole("cell", { name: "Fall 2026", exact: true }).waitFor();

    // an end before the start: refused by the server, on the field it blames
    await form.getByLabel("Term name").fill("Backwards");
    await form.getByLabel("Starts on").fill("2027-02-01");
    await form.getByLabel("Ends on").fill("2027-01-01");
    await form.getByRole("button", { name: "Add term" }).click();
    await form.getByRole("alert").waitFor();
    expect(await form.getByLabel("Ends on").getAttribute("aria-invalid")).toBe("true");

    await page.getByRole("button", { name: "Edit Fall 2026" }).click();
    const edit = page.getByRole("form", { name: "Edit Fall 2026" });
    await edit.getByLabel("Term name").fill("Autumn 2026");
    await edit.getByRole("button", { name: "Save term" }).click();
    await table.getByRole("cell", { name: "Autumn 2026", exact: true }).waitFor();
    const [term] = (await api.terms.list.query()).terms;
    if (!term) throw new Error("no term");
    expect(term).toMatchObject({ name: "Autumn 2026", type: "semester", startsOn: "2026-09-01" });

    await api.terms.create.mutate({ name: "Spring 2027", startsOn: "2027-01-10", endsOn: "2027-05-30" });
    const course = await api.courses.create.mutate({
      name: "Rhetoric",
      level: "beginner",
      code: "RH-1",
      termId: term.id,
    });
    await page.reload();
    await table.getByRole("cell", { name: "Spring 2027", exact: true }).waitFor();
    await logScreens("terms");

    await page.getByRole("button", { name: "Delete Autumn 2026" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete term?" });
    await dialog.getByRole("button", { name: "Delete term" }).click();
    const refusal = dialog.getByRole("alert");
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain("still the term of a course");
    expect(await dialog.getByRole("button", { name: "Delete term" }).getAttribute("aria-describedby")).toBe(
      await refusal.getAttribute("id"),
    );
    await logScreens("terms-in-use");
    await dialog.getByRole("button", { name: "Cancel" }).click();

    await api.courses.update.mutate({ id: course.id, termId: null });
    await page.getByRole("button", { name: "Delete Autumn 2026" }).click();
    await page
      .getByRole("dialog", { name: "Delete term?" })
      .getByRole("button", { name: "Delete term" })
      .click();
    await page.getByRole("status").filter({ hasText: "Deleted Autumn 2026." }).waitFor();
    await table.getByRole("cell", { name: "Autumn 2026", exact: true }).waitFor({ state: "detached" });
  });

  it("creates a course with code, term and waitlist places, named with them everywhere; edits and deletes it", async () => {
    await api.terms.create.mutate({ name: "Summer 2027", startsOn: "2027-06-01", endsOn: "2027-08-31" });
    await api.courses.create.mutate({ name: "Algebra", level: "beginner" });
    await page.goto(url("/app/courses"));
    const form = page.getByRole("form", { name: "Add a course" });
    await form
      .getByLabel("Term")
      .locator("option", { hasText: "Summer 2027" })
      .waitFor({ state: "attached" });
    await form.getByLabel("Course name").fill("Algebra");
    await form.getByLabel("Code").fill("ALG-2");
    await form.getByLabel("Term").selectOption({ label: "Summer 2027" });
    await form.getByLabel("Level").fill("advanced");
    await form.getByLabel("Capacity").fill("2");
    await form.getByLabel("Waitlist places").fill("3");
    await form.getByRole("button", { name: "Add course" }).click();
    await form.getByRole("status").filter({ hasText: "Added Algebra" }).waitFor();
    // two courses called Algebra, told apart by code and term
    await page.getByRole("link", { name: "Algebra (ALG-2, Summer 2027)", exact: true }).waitFor();
    await page.getByRole("link", { name: "Algebra", exact: true }).waitFor();

    await page.getByRole("link", { name: "Algebra (ALG-2, Summer 2027)" }).click();
    await page.getByRole("heading", { level: 1, name: "Algebra (ALG-2, Summer 2027)" }).waitFor();
    expect(await page.title()).toMatch(/^Algebra \(ALG-2, Summer 2027\) \(course \d+\) — Registrar$/);
    expect(await page.locator(".facts").textContent()).toContain("0 of 3 waiting");

    await page.getByRole("button", { name: "Edit course" }).click();
    const edit = page.getByRole("form", { name: "Edit course" });
    await edit.getByLabel("Code").fill("ALG-3");
    await edit.getByRole("button", { name: "Save course" }).click();
    await page.getByRole("heading", { level: 1, name: "Algebra (ALG-3, Summer 2027)" }).waitFor();

    await page.getByRole("button", { name: "Delete course" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete course?" });
    await dialog.getByRole("button", { name: "Delete course" }).click();
    await page.waitForURL(url("/app/courses"));
    await page.getByRole("link", { name: "Algebra", exact: true }).waitFor();
    expect(await page.getByRole("link", { name: /ALG-3/ }).count()).toBe(0);
  });

  it("waitlists on a full course with a position, promotes on a drop, and shows statuses and history", async () => {
    const term = await api.terms.create.mutate({
      name: "Winter 2027",
      startsOn: "2027-01-01",
      endsOn: "2027-03-01",
    });
    const chess = await api.courses.create.mutate({
      name: "Chess",
      level: "beginner",
      code: "CH-1",
      termId: term.id,
      capacity: 1,
      waitlistCapacity: 3,
    });
    const poetry = await api.courses.create.mutate({ name: "Poetry", level: "intermediate", code: "PO-1" });
    const history = await api.courses.create.mutate({ name: "History", level: "beginner", code: "HI-1" });
    const ada = await api.students.create.mutate({ name: "Ada Active", email: "ada.active@example.org" });
    const wendy = await api.students.create.mutate({ name: "Wendy Wait", email: "wendy@example.org" });
    const will = await api.students.create.mutate({ name: "Will Later", email: "will@example.org" });
    await api.enrollments.assign.mutate({ studentId: ada.id, courseIds: [chess.id, poetry.id, history.id] });
    await api.enrollments.update.mutate({ studentId: ada.id, courseId: history.id, status: "completed" });
    // Latin is full (Will has its one seat): Ada waits for it
    const latin = await api.courses.create.mutate({
      name: "Latin",
      level: "advanced",
      code: "LA-1",
      capacity: 1,
      waitlistCapacity: 2,
    });
    await api.enrollments.assign.mutate({ studentId: will.id, courseIds: [latin.id] });
    await api.enrollments.assign.mutate({ studentId: ada.id, courseIds: [latin.id], waitlist: true });
    const chessLabel = "Chess (CH-1, Winter 2027)";

    // Wendy joins the waitlist of the full course from her page
    await page.goto(url(`/app/students/${wendy.id}`));
    const picker = page.getByRole("group", { name: /Choose courses/ });
    const chessItem = picker.getByRole("listitem").filter({ hasText: chessLabel });
    await chessItem.waitFor();
    expect(await chessItem.textContent()).toContain("full; joins the waitlist, 3 of 3 places left");
    await picker.getByRole("checkbox", { name: /Chess/ }).check();
    await page.getByRole("button", { name: "Enroll in 1 course" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `Waitlisted for ${chessLabel} (position 1).` })
      .waitFor();
    const current = page.getByRole("table", { name: "Courses Wendy Wait is enrolled in" });
    await current.getByRole("cell", { name: "Waitlisted, position 1" }).waitFor();
    await api.enrollments.assign.mutate({ studentId: will.id, courseIds: [chess.id], waitlist: true });

    // the roster page lists the waitlist in its order
    await page.goto(url(`/app/courses/${chess.id}`));
    const waitlist = page.getByRole("table", { name: `Waitlist of ${chessLabel}` });
    await waitlist.getByRole("link", { name: "Will Later" }).waitFor();
    expect(await waitlist.locator("tbody tr").allTextContents()).toEqual([
      expect.stringMatching(/^1Wendy Waitwendy@example\.org/),
      expect.stringMatching(/^2Will Laterwill@example\.org/),
    ]);
    await page
      .getByRole("table", { name: /Students enrolled in Chess/ })
      .getByRole("link", { name: "Ada Active" })
      .waitFor();
    await logScreens("roster-waitlist");

    // Ada drops Chess with a reason: the record stays, Wendy is promoted
    await page.goto(url(`/app/students/${ada.id}`));
    const adaCurrent = page.getByRole("table", { name: "Courses Ada Active is enrolled in" });
    await adaCurrent.getByRole("button", { name: `Drop ${chessLabel}` }).click();
    const dialog = page.getByRole("dialog", { name: "Drop course?" });
    await dialog.getByLabel("Reason (optional)").fill("Moved to another school");
    await dialog.getByRole("button", { name: "Drop course" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `Dropped ${chessLabel}.` })
      .waitFor();
    const past = page.getByRole("table", { name: "Courses Ada Active dropped or completed" });
    await past.getByRole("link", { name: chessLabel }).waitFor();
    await past.getByRole("link", { name: "History (HI-1)" }).waitFor();
    const timeline = page.getByRole("list", { name: `History of student ${ada.id}, oldest first` });
    await timeline.getByText(`Dropped from ${chessLabel}`).waitFor();
    const entries = await timeline.getByRole("listitem").allTextContents();
    expect(entries).toHaveLength(6);
    expect(entries.some((entry) => entry.includes("Waitlisted for Latin (LA-1)"))).toBe(true);
    await adaCurrent.getByRole("cell", { name: "Waitlisted, position 1" }).waitFor();
    expect(entries.filter((entry) => entry.includes("Enrolled in"))).toHaveLength(3);
    expect(entries.some((entry) => entry.includes("Completed History (HI-1)"))).toBe(true);
    expect(entries.at(-1)).toContain("Reason: Moved to another school");
    await logScreens("student-lifecycle");

    // Wendy's page: promoted, with the system's entry in her history
    await page.goto(url(`/app/students/${wendy.id}`));
    await current.getByRole("cell", { name: "Active", exact: true }).waitFor();
    await page.getByText(`Promoted from the waitlist into ${chessLabel}`).waitFor();
    expect(await page.getByRole("list", { name: /History of student/ }).textContent()).toContain(
      "by Registrar (a seat was freed)",
    );
    // complete, then reactivate
    await current.getByRole("button", { name: `Complete ${chessLabel}` }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `Marked ${chessLabel} completed.` })
      .waitFor();
    const wendyPast = page.getByRole("table", { name: "Courses Wendy Wait dropped or completed" });
    await wendyPast.getByRole("cell", { name: "Completed" }).waitFor();
    await wendyPast.getByRole("button", { name: `Reactivate ${chessLabel}` }).click();
    // the seat went to Will when Wendy completed: reactivating finds the course full
    const refusal = wendyPast.getByRole("alert");
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain(`${chessLabel} has no seats left`);
    const enrollments = await api.enrollments.list.query({ studentId: wendy.id, status: "all" });
    expect(enrollments.courses.map((course) => course.status)).toEqual(["completed"]);
    const roster = await api.courses.students.query({ courseId: chess.id });
    expect(roster.students.map((student) => student.id)).toEqual([will.id]);
  });

  it("edits a student and deletes one after confirmation", async () => {
    const student = await api.students.create.mutate({ name: "Eddie Edit", email: "eddie@example.org" });
    await api.students.create.mutate({ name: "Taken Address", email: "taken.address@example.org" });
    await page.goto(url(`/app/students/${student.id}`));
    await page.getByText(`Student ID ${student.id}`).waitFor();
    await page.getByRole("button", { name: "Edit student" }).click();
    const form = page.getByRole("form", { name: "Edit student" });
    await form.getByLabel("Email").fill("taken.address@example.org");
    await form.getByRole("button", { name: "Save student" }).click();
    await form
      .getByRole("alert")
      .filter({ hasText: "Another student already uses this email address." })
      .waitFor();
    expect(await form.getByLabel("Email").getAttribute("aria-invalid")).toBe("true");
    await form.getByLabel("Name").fill("Edwina Edit");
    await form.getByLabel("Email").fill("edwina@example.org");
    await form.getByRole("button", { name: "Save student" }).click();
    await page.getByRole("heading", { level: 1, name: "Edwina Edit" }).waitFor();
    expect(await api.students.byId.query({ id: student.id })).toMatchObject({ email: "edwina@example.org" });

    await page.getByRole("button", { name: "Delete student" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete student?" });
    expect(await dialog.textContent()).toContain(`Delete Edwina Edit (student ${student.id})?`);
    await dialog.getByRole("button", { name: "Delete student" }).click();
    await page.waitForURL(url("/app/students"));
    await page.getByRole("heading", { level: 1, name: "Students" }).waitFor();
    await expect.poll(() => page.getByRole("link", { name: "Edwina Edit" }).count()).toBe(0);
  });

  it("searches and sorts the students and courses lists on the server", async () => {
    for (const [name, email] of [
      ["Sorty Zed", "sorty.c@example.org"],
      ["Sorty Amy", "sorty.b@example.org"],
      ["Sorty Mia", "sorty.a@example.org"],
    ] as const) {
      await api.students.create.mutate({ name, email });
    }
    await page.goto(url("/app/students"));
    await page.getByLabel("Search students").fill("sorty");
    const table = page.getByRole("table", { name: /Students matching “sorty”/ });
    await table.waitFor();
    const names = () => table.locator("tbody tr td:first-child").allTextContents();
    await expect.poll(names).toEqual(["Sorty Zed", "Sorty Amy", "Sorty Mia"]);

    const nameHeader = table.getByRole("columnheader", { name: "Name" });
    await nameHeader.getByRole("button").click();
    await expect.poll(names).toEqual(["Sorty Amy", "Sorty Mia", "Sorty Zed"]);
    expect(await nameHeader.getAttribute("aria-sort")).toBe("ascending");
    expect(await table.getByRole("columnheader", { name: "ID" }).getAttribute("aria-sort")).toBeNull();
    await nameHeader.getByRole("button").click();
    await expect.poll(names).toEqual(["Sorty Zed", "Sorty Mia", "Sorty Amy"]);
    expect(await nameHeader.getAttribute("aria-sort")).toBe("descending");
    // the sort button keeps the focus while the next order loads
    expect(await page.evaluate("document.activeElement.closest('th')?.textContent")).toContain("Name");
    await table.getByRole("columnheader", { name: "Email" }).getByRole("button").click();
    await expect.poll(names).toEqual(["Sorty Mia", "Sorty Amy", "Sorty Zed"]);
    await page.getByRole("table", { name: /sorted by email, ascending/ }).waitFor();
    await logScreens("students-sorted");

    await page.getByLabel("Search students").fill("nobody-matches-this");
    await page.getByText("No student’s name or email contains “nobody-matches-this”.").waitFor();
    await page.getByRole("button", { name: "Clear the search" }).click();
    expect(await page.getByLabel("Search students").inputValue()).toBe("");
    await page.getByRole("table", { name: /^Students, sorted by email/ }).waitFor();

    // courses: by seats, unlimited last
    await api.courses.create.mutate({ name: "Seat Many", level: "x", code: "SEATS-1", capacity: 40 });
    await api.courses.create.mutate({ name: "Seat Few", level: "x", code: "SEATS-2", capacity: 2 });
    await api.courses.create.mutate({ name: "Seat Open", level: "x", code: "SEATS-3" });
    await page.goto(url("/app/courses"));
    await page.getByLabel("Search courses").fill("seats-");
    const courses = page.getByRole("table", { name: /Courses matching “seats-”/ });
    const courseNames = () => courses.locator("tbody tr td:first-child").allTextContents();
    await expect
      .poll(courseNames)
      .toEqual(["Seat Many (SEATS-1)", "Seat Few (SEATS-2)", "Seat Open (SEATS-3)"]);
    const seats = courses.getByRole("columnheader", { name: "Seats" });
    await seats.getByRole("button").click();
    await expect
      .poll(courseNames)
      .toEqual(["Seat Few (SEATS-2)", "Seat Many (SEATS-1)", "Seat Open (SEATS-3)"]);
    expect(await seats.getAttribute("aria-sort")).toBe("ascending");
    await logScreens("courses-sorted");
    await page.getByLabel("Search courses").fill("no-course-like-this");
    await page.getByText("No course’s name or code contains “no-course-like-this”.").waitFor();
  });
});
