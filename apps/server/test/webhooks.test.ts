import { randomBytes } from "node:crypto";
import { configureWebhooks } from "@registrar/core";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { startWebhookWorker, type WebhookWorker } from "../src/webhooks/index.ts";
import { call, expectProblem, makeKey, trpcClient, trpcFailure } from "./security/harness.ts";
import { runEventRelay, startWebhookReceiver, type WebhookReceiver, waitFor } from "./webhook-receiver.ts";

/**
 * Webhooks (contract v1.1, "Events and webhooks") through the API, delivered by the real
 * worker to a local receiver. Private networks are allowed here (the receiver is on
 * 127.0.0.1); webhooks-ssrf.test.ts checks the refusals with them forbidden.
 */

const secretsKey = randomBytes(32);
const MAX_ATTEMPTS = 3;
let server: TestServer;
let worker: WebhookWorker;
let relay: { stop(): Promise<void> };
let receiver: WebhookReceiver;
let admin: string;
let reader: string;
let registrar: string;

type WebhookBody = {
  id: number;
  url: string;
  event_types: string[];
  secret?: string;
  delivered_through: string;
};
type DeliveryBody = {
  event_id: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  at: string;
  next_attempt_at: string | null;
};

beforeAll(async () => {
  configureWebhooks({ secretsKey, allowPrivateNetworks: true });
  server = await startTestServer({ auth: { mode: "required" } });
  const { db } = server.database;
  admin = (await makeKey(db, "admin")).token;
  reader = (await makeKey(db, "reader")).token;
  registrar = (await makeKey(db, "registrar")).token;
  receiver = await startWebhookReceiver();
  relay = runEventRelay(db);
  worker = startWebhookWorker(db, {
    secretsKey,
    allowPrivateNetworks: true,
    // generous: an answer slowed by a loaded machine must not count as a timeout (a retry)
    timeoutMs: 3000,
    retryBaseMs: 20,
    maxAttempts: MAX_ATTEMPTS,
    leaseMs: 10_000,
    pollMs: 20,
    concurrency: 8,
  });
});

afterAll(async () => {
  await worker?.stop();
  await relay?.stop();
  await receiver?.close();
  await server?.close();
});

const api = (method: string, path: string, body?: unknown, token = admin) =>
  call(server.baseUrl, method, path, { token, body });

async function subscribe(
  path: string,
  eventTypes: string[] = ["student.*"],
): Promise<WebhookBody & { secret: string }> {
  const answer = await api("POST", "/webhooks", { url: `${receiver.url}${path}`, event_types: eventTypes });
  expect(answer.status, answer.text).toBe(201);
  return answer.body as WebhookBody & { secret: string };
}

async function makeStudent(name: string): Promise<number> {
  const answer = await api("POST", "/students", {
    name,
    email: `${name.replace(/\W/g, "")}.${randomBytes(4).toString("hex")}@example.org`,
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.body.id as number;
}

async function deliveries(webhookId: number): Promise<DeliveryBody[]> {
  const rows: DeliveryBody[] = [];
  let cursor: string | null = null;
  do {
    const page = await api(
      "GET",
      `/webhooks/${webhookId}/deliveries?limit=200${cursor ? `&cursor=${cursor}` : ""}`,
    );
    expect(page.status, page.text).toBe(200);
    rows.push(...(page.body.deliveries as DeliveryBody[]));
    cursor = page.body.next_cursor as string | null;
  } while (cursor);
  return rows;
}

const receivedAt = (path: string) => receiver.received.filter((request) => request.path === path);
const eventOf = (body: string) => JSON.parse(body) as { id: string; type: string; data: { id: number } };

describe("webhook subscriptions", () => {
  it("creates with a secret shown once, lists, gets and deletes; admin only", async () => {
    const created = await api("POST", "/webhooks", {
      url: `${receiver.url}/crud`,
      event_types: ["enrollment.*", "student.created"],
      description: "LMS sync",
    });
    expect(created.status, created.text).toBe(201);
    const webhook = created.body as WebhookBody & { secret: string };
    expect(created.headers.get("location")).toBe(`/webhooks/${webhook.id}`);
    expect(webhook).toMatchObject({
      url: `${receiver.url}/crud`,
      event_types: ["enrollment.*", "student.created"],
    });
    expect(webhook.secret).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    const secretBytes = Buffer.from(webhook.secret.slice("whsec_".length), "base64").length;
    expect(secretBytes).toBeGreaterThanOrEqual(24);
    expect(secretBytes).toBeLessThanOrEqual(64);

    const one = await api("GET", `/webhooks/${webhook.id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: webhook.id, description: "LMS sync" });
    const list = await api("GET", "/webhooks");
    expect((list.body.webhooks as WebhookBody[]).map((entry) => entry.id)).toContain(webhook.id);
    // the secret is never shown again, nor stored readable
    expect(one.text + list.text).not.toContain(webhook.secret.slice(6));
    const stored = await server.database.db("webhook_subscriptions").where("id", webhook.id).first();
    expect(JSON.stringify(stored)).not.toContain(webhook.secret.slice(6));

    const trpc = trpcClient(server.baseUrl, admin);
    const viaTrpc = await trpc.webhooks.byId.query({ id: webhook.id });
    expect(viaTrpc).toMatchObject({ id: webhook.id, eventTypes: ["enrollment.*", "student.created"] });
    expect((await trpc.webhooks.list.query()).webhooks.length).toBeGreaterThan(0);
    expect(await trpc.webhooks.deliveries.query({ id: webhook.id })).toEqual({
      deliveries: [],
      nextCursor: null,
    });

    for (const token of [reader, registrar]) {
      expectProblem(await api("GET", "/webhooks", undefined, token), 403, "forbidden");
      expectProblem(
        await api("POST", "/webhooks", { url: `${receiver.url}/x`, event_types: ["student.*"] }, token),
        403,
        "forbidden",
      );
      expectProblem(await api("DELETE", `/webhooks/${webhook.id}`, undefined, token), 403, "forbidden");
      expect(
        (await trpcFailure(trpcClient(server.baseUrl, token).webhooks.list.query())).problem,
      ).toMatchObject({
        code: "forbidden",
      });
    }

    expect((await api("DELETE", `/webhooks/${webhook.id}`)).status).toBe(204);
    const gone = await api("GET", `/webhooks/${webhook.id}`);
    expectProblem(gone, 404, "webhook_not_found");
    expect(gone.body.webhook_id).toBe(webhook.id);
    expectProblem(await api("DELETE", `/webhooks/${webhook.id}`), 404, "webhook_not_found");
    expectProblem(await api("GET", `/webhooks/${webhook.id}/deliveries`), 404, "webhook_not_found");
    expect((await trpcFailure(trpc.webhooks.byId.query({ id: webhook.id }))).problem).toMatchObject({
      code: "webhook_not_found",
    });
  });

  it("refuses URLs that are not http(s) or carry credentials, and bad event types, with 400", async () => {
    for (const url of [
      "ftp://example.org/hook",
      "file:///etc/passwd",
      "http://user:pw@example.org/",
      "not a url",
      "",
    ]) {
      const answer = await api("POST", "/webhooks", { url, event_types: ["student.*"] });
      expectProblem(answer, 400, "validation_failed");
    }
    for (const eventTypes of [[], ["student"], ["*"], ["Student.created"], "student.*"]) {
      expectProblem(
        await api("POST", "/webhooks", { url: `${receiver.url}/x`, event_types: eventTypes }),
        400,
        "validation_failed",
      );
    }
  });
});

describe("webhook delivery", () => {
  it("delivers the events recorded after the subscription, signed per Standard Webhooks", async () => {
    const before = await makeStudent("Before Subscription");
    const webhook = await subscribe("/signed", ["student.created"]);
    const after = await makeStudent("After Subscription");
    const [request] = await waitFor(
      "the delivery",
      () => receivedAt("/signed").length > 0 && receivedAt("/signed"),
    );
    if (!request) throw new Error("no request");
    const event = eventOf(request.body);
    expect(event).toMatchObject({ type: "student.created", data: { id: after } });
    expect(Object.keys(event).sort()).toEqual(["data", "id", "occurred_at", "type"]);
    expect(request.headers["content-type"]).toBe("application/json");
    expect(request.headers["webhook-id"]).toBe(event.id);
    expect(Math.abs(Number(request.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(300);
    const headers = {
      "webhook-id": String(request.headers["webhook-id"]),
      "webhook-timestamp": String(request.headers["webhook-timestamp"]),
      "webhook-signature": String(request.headers["webhook-signature"]),
    };
    expect(new Webhook(webhook.secret).verify(request.body, headers)).toMatchObject({ id: event.id });
    const rows = await waitFor("the delivery row", async () => {
      const list = await deliveries(webhook.id);
      return list[0]?.status_code === 200 && list;
    });
    expect(rows).toEqual([
      {
        event_id: event.id,
        attempt: 1,
        status_code: 200,
        error: null,
        at: expect.any(String),
        next_attempt_at: null,
      },
    ]);
    // the body is the event exactly as the feed answers it
    const feed = await api("GET", `/events?after=${BigInt(event.id) - 1n}&limit=1`);
    expect(feed.body.events).toEqual([JSON.parse(request.body)]);
    // the student made before the subscription was never sent
    expect(receivedAt("/signed").some((entry) => eventOf(entry.body).data.id === before)).toBe(false);
  });

  it("retries with backoff up to the last attempt, then gives up and goes on with the next event", async () => {
    receiver.answerWith((request) => (request.path === "/dead" ? 500 : 200));
    const webhook = await subscribe("/dead", ["student.created"]);
    await makeStudent("Dead One");
    await makeStudent("Dead Two");
    const rows = await waitFor("both events given up", async () => {
      const list = await deliveries(webhook.id);
      return list.length === 2 * MAX_ATTEMPTS && list.at(-1)?.status_code !== null && list;
    });
    const [first, second] = [rows.slice(0, MAX_ATTEMPTS), rows.slice(MAX_ATTEMPTS)];
    for (const attempts of [first, second]) {
      expect(attempts.map((row) => row.attempt)).toEqual([1, 2, 3]);
      expect(new Set(attempts.map((row) => row.event_id)).size).toBe(1);
      expect(attempts.every((row) => row.status_code === 500)).toBe(true);
      // each failure but the last names its next attempt, after its own start; the last none
      for (const row of attempts.slice(0, -1))
        expect(Date.parse(row.next_attempt_at ?? "") > Date.parse(row.at)).toBe(true);
      expect(attempts.at(-1)?.next_attempt_at).toBeNull();
    }
    expect(BigInt(second[0]?.event_id ?? 0) > BigInt(first[0]?.event_id ?? 0)).toBe(true);
    // the second event's first attempt came only after the first event was given up
    expect(Date.parse(second[0]?.at ?? "")).toBeGreaterThanOrEqual(Date.parse(first.at(-1)?.at ?? ""));
    expect(receivedAt("/dead")).toHaveLength(2 * MAX_ATTEMPTS);
    receiver.answerWith(() => 200);
  });

  it("a receiver that fails, times out, then recovers gets the event, with the same webhook-id", async () => {
    let calls = 0;
    receiver.answerWith((request) => {
      if (request.path !== "/recovers") return 200;
      calls += 1;
      return calls === 1 ? 503 : calls === 2 ? "hang" : 204;
    });
    const webhook = await subscribe("/recovers", ["student.created"]);
    await makeStudent("Recovers");
    const rows = await waitFor("the delivery after recovery", async () => {
      const list = await deliveries(webhook.id);
      return list.some((row) => row.status_code === 204) && list;
    });
    expect(rows.map(({ attempt, status_code }) => [attempt, status_code])).toEqual([
      [1, 503],
      [2, null],
      [3, 204],
    ]);
    expect(rows[1]?.error).toMatch(/no answer within 3000 ms/);
    const ids = new Set(receivedAt("/recovers").map((entry) => entry.headers["webhook-id"]));
    expect(ids.size).toBe(1);
    receiver.answerWith(() => 200);
  });

  it("delivers in event order per subscription while the receiver fails now and then", async () => {
    let count = 0;
    receiver.answerWith((request) => {
      if (request.path !== "/ordered") return 200;
      count += 1;
      return count % 3 === 0 ? 500 : 200;
    });
    const webhook = await subscribe("/ordered", ["student.*"]);
    const students: number[] = [];
    for (let index = 0; index < 15; index += 1) students.push(await makeStudent(`Ordered ${index}`));
    await waitFor(
      "every event delivered",
      async () =>
        (await deliveries(webhook.id)).filter((row) => row.status_code === 200).length === students.length,
    );
    const received = receivedAt("/ordered").map((entry) => BigInt(eventOf(entry.body).id));
    // retries of one event come together, and each event comes after the one before it
    for (let index = 1; index < received.length; index += 1) {
      expect((received[index] ?? 0n) >= (received[index - 1] ?? 0n)).toBe(true);
    }
    expect(
      receivedAt("/ordered")
        .map((entry) => eventOf(entry.body).data.id)
        .filter((id, i, all) => all.indexOf(id) === i),
    ).toEqual(students);
    receiver.answerWith(() => 200);
  });

  it("replays from an event id (extension): the events from it on come again", async () => {
    const webhook = await subscribe("/replay", ["student.created"]);
    const first = await makeStudent("Replay One");
    const second = await makeStudent("Replay Two");
    await waitFor("both delivered", () => receivedAt("/replay").length === 2);
    const ids = receivedAt("/replay").map((entry) => eventOf(entry.body).id);
    const replayed = await api("POST", `/webhooks/${webhook.id}/replay`, { from_event_id: ids[0] });
    expect(replayed.status, replayed.text).toBe(200);
    await waitFor("both delivered again", () => receivedAt("/replay").length === 4);
    expect(receivedAt("/replay").map((entry) => eventOf(entry.body).data.id)).toEqual([
      first,
      second,
      first,
      second,
    ]);
    expectProblem(
      await api("POST", "/webhooks/999999/replay", { from_event_id: "1" }),
      404,
      "webhook_not_found",
    );
    expectProblem(
      await api("POST", `/webhooks/${webhook.id}/replay`, { from_event_id: "x" }),
      400,
      "validation_failed",
    );
  });

  it("never follows a redirect: a 3xx is a failed attempt, and its Location is not called", async () => {
    receiver.answerWith((request) =>
      request.path === "/redirects"
        ? { status: 307, headers: { location: `${receiver.url}/redirect-target` } }
        : 200,
    );
    const webhook = await subscribe("/redirects", ["student.created"]);
    await makeStudent("Redirected");
    const rows = await waitFor("every attempt made", async () => {
      const list = await deliveries(webhook.id);
      return list.length === MAX_ATTEMPTS && list.at(-1)?.status_code !== null && list;
    });
    expect(rows.map((row) => row.status_code)).toEqual(Array(MAX_ATTEMPTS).fill(307));
    expect(receivedAt("/redirect-target")).toHaveLength(0);
    receiver.answerWith(() => 200);
  });

  it("stops delivering to a deleted subscription", async () => {
    const webhook = await subscribe("/deleted", ["student.created"]);
    expect((await api("DELETE", `/webhooks/${webhook.id}`)).status).toBe(204);
    await makeStudent("After Delete");
    const canary = await subscribe("/canary", ["student.created"]);
    await makeStudent("Canary");
    await waitFor("the canary's delivery", () => receivedAt("/canary").length === 1);
    expect(receivedAt("/deleted")).toHaveLength(0);
    expect(canary.id).toBeGreaterThan(webhook.id);
  });
});
