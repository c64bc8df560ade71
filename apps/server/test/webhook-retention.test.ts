import { randomBytes } from "node:crypto";
import { configureWebhooks, sweepWebhookDeliveries } from "@registrar/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEventBackground } from "../src/events/background.ts";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { startWebhookWorker, type WebhookWorker } from "../src/webhooks/index.ts";
import { call } from "./security/harness.ts";
import { runEventRelay, startWebhookReceiver, type WebhookReceiver, waitFor } from "./webhook-receiver.ts";

/**
 * The retention of webhook deliveries: the events' sweep (EVENTS_RETENTION_DAYS) also
 * deletes the attempts of that age at events their subscription is done with, delivered
 * or given up, and keeps the attempts at an event still in progress however old.
 */

const secretsKey = randomBytes(32);
let server: TestServer;
let receiver: WebhookReceiver;
let relay: { stop(): Promise<void> };
let worker: WebhookWorker | undefined;

const startWorker = () =>
  startWebhookWorker(server.database.db, {
    secretsKey,
    allowPrivateNetworks: true,
    timeoutMs: 3000,
    retryBaseMs: 10,
    maxAttempts: 2,
    leaseMs: 10_000,
    pollMs: 20,
    concurrency: 4,
  });

beforeAll(async () => {
  configureWebhooks({ secretsKey, allowPrivateNetworks: true });
  server = await startTestServer();
  receiver = await startWebhookReceiver();
  receiver.answerWith((request) => (request.path === "/failing" ? 500 : 200));
  relay = runEventRelay(server.database.db);
  worker = startWorker();
});
afterAll(async () => {
  await worker?.stop();
  await relay?.stop();
  await receiver?.close();
  await server?.close();
});

const api = (method: string, path: string, body?: unknown) => call(server.baseUrl, method, path, { body });

type Delivery = { event_id: string; attempt: number; status_code: number | null };

async function deliveries(webhookId: number): Promise<Delivery[]> {
  const page = await api("GET", `/webhooks/${webhookId}/deliveries?limit=100`);
  expect(page.status, page.text).toBe(200);
  return page.body.deliveries as Delivery[];
}

async function subscribe(path: string): Promise<number> {
  const created = await api("POST", "/webhooks", {
    url: `${receiver.url}${path}`,
    event_types: ["student.created"],
  });
  expect(created.status, created.text).toBe(201);
  return created.body.id as number;
}

async function deliveredThrough(webhookId: number): Promise<string> {
  const answer = await api("GET", `/webhooks/${webhookId}`);
  return answer.body.delivered_through as string;
}

/** Sets `at` of the attempts of these subscriptions (and, when given, events) to `days` ago. */
async function age(days: number, webhookIds: number[], eventIds?: string[]): Promise<void> {
  await server.database.db.raw(
    `update webhook_deliveries set at = now() - make_interval(days => ?::int)
      where subscription_id = any(?::int[]) and (?::bigint[] is null or event_id = any(?::bigint[]))`,
    [days, webhookIds, eventIds ?? null, eventIds ?? null],
  );
}

describe("webhook deliveries past the events' retention", () => {
  it("are swept in bounded batches once their event is delivered or given up; an event in progress keeps its attempts", async () => {
    const delivering = await subscribe("/delivering");
    const failing = await subscribe("/failing");
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      const created = await api("POST", "/students", {
        name: `Kept ${index}`,
        email: `kept-${index}-${randomBytes(3).toString("hex")}@example.org`,
      });
      expect(created.status, created.text).toBe(201);
    }
    const feed = await api("GET", "/events?types=student.created");
    ids.push(...(feed.body.events as Array<{ id: string }>).map((event) => event.id));
    expect(ids).toHaveLength(3);
    const last = ids[2] ?? "";
    // delivered (one attempt each), and given up (two failed attempts each)
    await waitFor("both subscriptions done", async () =>
      (await deliveredThrough(delivering)) === last && (await deliveredThrough(failing)) === last
        ? true
        : undefined,
    );
    expect((await deliveries(delivering)).map((row) => row.status_code)).toEqual([200, 200, 200]);
    expect((await deliveries(failing)).map((row) => [row.event_id, row.status_code])).toEqual(
      ids.flatMap((id) => [
        [id, 500],
        [id, 500],
      ]),
    );

    // The third event in progress again (a replay, the worker stopped before it is made).
    await worker?.stop();
    worker = undefined;
    const replayed = await api("POST", `/webhooks/${delivering}/replay`, { from_event_id: last });
    expect(replayed.status, replayed.text).toBe(200);

    await age(31, [delivering, failing]);
    await age(29, [delivering], [ids[0] ?? ""]);
    const db = server.database.db;
    // the second event's attempt at `delivering` and the six at `failing`, two a statement
    expect(await sweepWebhookDeliveries(db, { retentionDays: 30, batch: 2 })).toBe(7);
    expect(await sweepWebhookDeliveries(db, { retentionDays: 30, batch: 2 })).toBe(0);
    expect((await deliveries(delivering)).map((row) => row.event_id)).toEqual([ids[0], last]);
    expect(await deliveries(failing)).toEqual([]);

    // The server's retention loop runs the same sweep (apps/server/src/events/background.ts).
    await age(31, [delivering]);
    const background = startEventBackground({
      db,
      relayIntervalMs: 600_000,
      sweepIntervalMs: 20,
      retentionDays: 30,
    });
    try {
      await waitFor("the background sweep", async () =>
        (await deliveries(delivering)).length === 1 ? true : undefined,
      );
    } finally {
      await background.stop();
    }
    expect((await deliveries(delivering)).map((row) => row.event_id)).toEqual([last]);

    // Once the worker is back, the event in progress is delivered again; its new attempt is recent.
    worker = startWorker();
    await waitFor("the replayed event delivered", async () =>
      (await deliveredThrough(delivering)) === last ? true : undefined,
    );
    expect(await sweepWebhookDeliveries(db, { retentionDays: 30 })).toBe(1);
    expect((await deliveries(delivering)).map((row) => [row.event_id, row.status_code])).toEqual([
      [last, 200],
    ]);
  });
});
