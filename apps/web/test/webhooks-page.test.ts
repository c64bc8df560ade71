import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { createRegistrarTrpcClient, type RegistrarTrpcClient, verifyWebhook } from "@registrar/sdk";
import { startTestServer, type TestServer } from "@registrar/server/testing";
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

/** The deliveries table's page (DELIVERIES_PAGE_SIZE of webhook-page.tsx, not imported: it is a React module). */
const DELIVERIES_PAGE_SIZE = 20;

type Received = { headers: IncomingHttpHeaders; body: string };

/** A webhook receiver on 127.0.0.1 that records what it gets and answers `answer(index)`. */
async function startReceiver(answer: (index: number) => number) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.writeHead(answer(received.length - 1)).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// The webhooks page in chromium against a server that delivers (the events relay and the
// delivery worker run beside it, as under `pnpm start`) to a receiver on this machine.
describe.skipIf(!chromiumAvailable())("the webhooks page in chromium", { timeout: 120_000 }, () => {
  let webUi: Awaited<ReturnType<typeof buildWebUi>>;
  let server: TestServer;
  let api: RegistrarTrpcClient;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    webUi = await buildWebUi();
    // the receiver's first answer is a failure: the table shows it, and the retry that succeeds
    receiver = await startReceiver((index) => (index === 0 ? 503 : 200));
    server = await startTestServer({ webDistDir: webUi.dir, webhooks: { retryBaseMs: 50, maxAttempts: 3 } });
    api = createRegistrarTrpcClient({ baseUrl: server.baseUrl });
    browser = await launchBrowser();
    context = browser.context;
    context.setDefaultTimeout(15_000);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.baseUrl });
    await recordCspViolations(context);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await receiver?.close();
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

  const url = (path: string) => `${server.baseUrl}${path}`;
  /** The page as it is now: screenshots, and axe (no serious or critical violation). */
  const logScreens = async (name: string) => {
    console.log(`screenshot: ${await screenshot(page, name)}`);
    const kept = await docsScreenshot(page, name);
    if (kept) console.log(`screenshot: ${kept}`);
    const result = await runAxe(page);
    console.log(describeAxeResult(name, result));
    const serious = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(serious, `serious or critical axe violations on ${name}`).toEqual([]);
  };
  const focused = () =>
    page.evaluate<{ tag: string; text: string; label: string }>(
      `(() => { const element = document.activeElement; return { tag: element.tagName.toLowerCase(),
        text: (element.textContent || "").trim(), label: (element.closest("label")?.textContent || "").trim() }; })()`,
    );

  it("adds a webhook, shows its secret once, lists its deliveries page by page, replays, and deletes it", async () => {
    await page.goto(url("/app/webhooks"));
    await page.getByText("No webhooks yet.").waitFor();
    expect(await page.title()).toBe("Webhooks — Registrar");

    // no event chosen: the server's refusal, and the focus on the first event box
    const form = page.getByRole("form", { name: "Add a webhook" });
    await form.getByLabel("Receiver URL").fill("ftp://files.example.org/hooks");
    await form.getByRole("button", { name: "Add webhook" }).click();
    const alert = form.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("Event types must name at least one event type.");
    // a URL that is not http(s), in the same answer, marks the URL field
    expect(await alert.textContent()).toContain("URL must be an http or https URL.");
    expect(await form.getByLabel("Receiver URL").getAttribute("aria-invalid")).toBe("true");
    await expect.poll(focused).toMatchObject({ tag: "input", label: "Receiver URL" });

    // chosen with the keyboard: the first box of the picker, then Space
    await form.getByLabel("Receiver URL").fill(`${receiver.url}/hooks`);
    await form.getByLabel("Description (optional)").fill("LMS enrollment sync");
    await form.getByRole("checkbox", { name: "All student.*" }).focus();
    await page.keyboard.press("Space");
    expect(await form.getByRole("checkbox", { name: "student.created" }).isDisabled()).toBe(true);
    expect(await form.getByRole("checkbox", { name: "student.created" }).isChecked()).toBe(true);
    await form.getByRole("button", { name: "Add webhook" }).click();

    const panel = page.getByRole("region", { name: /^Signing secret of webhook \d+$/ });
    await panel.waitFor();
    expect(await panel.textContent()).toContain("Copy this secret now: you will not see it again.");
    await expect.poll(focused).toMatchObject({ tag: "h2" });
    const secret = await panel.getByLabel("Signing secret").inputValue();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{40,}={0,2}$/);
    await panel.getByRole("button", { name: "Copy secret" }).click();
    await panel.getByRole("status").filter({ hasText: "Copied the secret to the clipboard." }).waitFor();
    expect(await page.evaluate("navigator.clipboard.readText()")).toBe(secret);
    const [webhook] = (await api.webhooks.list.query()).webhooks;
    if (!webhook) throw new Error("no webhook");
    expect(webhook).toMatchObject({ eventTypes: ["student.*"], description: "LMS enrollment sync" });
    const table = page.getByRole("table", { name: "Webhooks" });
    await table.getByRole("link", { name: `${receiver.url}/hooks` }).waitFor();
    expect(await form.getByLabel("Receiver URL").inputValue()).toBe("");
    await logScreens("webhooks-secret");

    // gone after a reload, as it is from the API
    await page.reload();
    await table.getByRole("link", { name: `${receiver.url}/hooks` }).waitFor();
    expect(await page.getByRole("region", { name: /Signing secret/ }).count()).toBe(0);
    expect(await page.content()).not.toContain(secret);
    expect(JSON.stringify(await api.webhooks.byId.query({ id: webhook.id }))).not.toContain(secret);

    // a change: its event is delivered, the first attempt refused (503), the retry accepted
    const student = await api.students.create.mutate({ name: "Hook Student", email: "hook@example.org" });
    await table.getByRole("link", { name: `${receiver.url}/hooks` }).click();
    await page.getByRole("heading", { level: 1, name: `Webhook ${webhook.id}` }).waitFor();
    expect(await page.title()).toBe(`Webhook ${webhook.id} — Registrar`);
    const deliveries = page.getByRole("table", { name: `Delivery attempts of webhook ${webhook.id}` });
    const rows = deliveries.locator("tbody tr");
    const refresh = page.getByRole("button", { name: "Refresh deliveries" });
    const rowsWhenRefreshed = async () => {
      if (await refresh.isVisible()) await refresh.click();
      return rows.count();
    };
    await expect.poll(rowsWhenRefreshed, { timeout: 20_000 }).toBe(2);
    const cells = (index: number) => rows.nth(index).getByRole("cell").allTextContents();
    // the retry's row is there from the moment it is claimed, before the receiver answers
    const retryResult = async () => {
      await rowsWhenRefreshed();
      return (await cells(1))[3];
    };
    await expect.poll(retryResult, { timeout: 20_000 }).toBe("Delivered");
    const [failed, delivered] = [await cells(0), await cells(1)];
    const eventId = delivered[0] ?? "";
    // a status and no error: the receiver answered, with a failure
    expect(failed.slice(0, 6)).toEqual([eventId, "student.created", "1", "Failed", "503", "–"]);
    expect(failed[7], "the retry's time").not.toBe("–");
    expect(delivered.slice(0, 6)).toEqual([eventId, "student.created", "2", "Delivered", "200", "–"]);
    expect(delivered[7]).toBe("–");

    // what the receiver got is signed with the secret the page showed
    const last = receiver.received.at(-1);
    if (!last) throw new Error("nothing received");
    const event = await verifyWebhook(secret, last.body, last.headers);
    expect(event).toMatchObject({ id: eventId, type: "student.created", data: { id: student.id } });
    expect(last.headers["webhook-id"]).toBe(eventId);

    // a replay: the same event again, with the same webhook-id
    const replay = page.getByRole("form", { name: "Replay" });
    await replay.getByLabel("From event id").fill("not-an-id");
    await replay.getByRole("button", { name: "Replay from this event" }).click();
    await replay.getByRole("alert").waitFor();
    expect(await replay.getByRole("alert").textContent()).toContain("From event id must be an event id");
    expect(await replay.getByLabel("From event id").getAttribute("aria-invalid")).toBe("true");
    await replay.getByLabel("From event id").fill(eventId);
    await replay.getByRole("button", { name: "Replay from this event" }).click();
    await replay
      .getByRole("status")
      .filter({ hasText: `Delivering again from event ${eventId}` })
      .waitFor();
    await expect.poll(rowsWhenRefreshed, { timeout: 20_000 }).toBe(3);
    await expect
      .poll(
        async () => {
          await rowsWhenRefreshed();
          return (await cells(2))[3];
        },
        { timeout: 20_000 },
      )
      .toBe("Delivered");
    expect((await cells(2)).slice(0, 5)).toEqual([eventId, "student.created", "1", "Delivered", "200"]);
    expect(receiver.received.map((request) => request.headers["webhook-id"])).toEqual([
      eventId,
      eventId,
      eventId,
    ]);
    await logScreens("webhook-deliveries");

    // more attempts than a page: the rest on request
    for (let index = 0; index < DELIVERIES_PAGE_SIZE; index += 1) {
      await api.students.create.mutate({ name: `Paged ${index}`, email: `paged-${index}@example.org` });
    }
    await expect.poll(() => receiver.received.length, { timeout: 30_000 }).toBe(3 + DELIVERIES_PAGE_SIZE);
    const more = page.getByRole("button", { name: "Load more deliveries" });
    await expect
      .poll(async () => (await rowsWhenRefreshed()) === DELIVERIES_PAGE_SIZE && more.isVisible())
      .toBe(true);
    await more.click();
    await expect.poll(() => rows.count()).toBe(3 + DELIVERIES_PAGE_SIZE);
    expect(await more.count()).toBe(0);

    // deleted: back on the list, which says so
    await page.getByRole("button", { name: "Delete webhook" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete webhook?" });
    await dialog.getByRole("button", { name: "Delete webhook" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: `Deleted webhook ${webhook.id}.` })
      .waitFor();
    await page.getByText("No webhooks yet.").waitFor();
    expect(page.url()).toBe(url("/app/webhooks"));
    expect((await api.webhooks.list.query()).webhooks).toEqual([]);

    await page.goto(url(`/app/webhooks/${webhook.id}`));
    await page.getByRole("heading", { level: 1, name: "Webhook not found" }).waitFor();
    expect(await page.getByRole("alert").textContent()).toContain("This webhook does not exist");
  });
});
