import { randomBytes } from "node:crypto";
import { configureWebhooks } from "@registrar/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { startWebhookWorker, type WebhookWorker } from "../src/webhooks/index.ts";
import { call, expectProblem } from "./security/harness.ts";
import { runEventRelay, startWebhookReceiver, type WebhookReceiver, waitFor } from "./webhook-receiver.ts";

/**
 * Webhook URLs that would make the server reach its own host or private networks are
 * refused on the resolved address, at creation (422 webhook_url_forbidden) and again at
 * every delivery (a name that resolved elsewhere when created, or rebinds), unless
 * WEBHOOK_ALLOW_PRIVATE_NETWORKS=true.
 */

const secretsKey = randomBytes(32);
let server: TestServer;
let worker: WebhookWorker;
let relay: { stop(): Promise<void> };
let receiver: WebhookReceiver;

beforeAll(async () => {
  configureWebhooks({ secretsKey, allowPrivateNetworks: false });
  server = await startTestServer();
  receiver = await startWebhookReceiver();
  relay = runEventRelay(server.database.db);
  worker = startWebhookWorker(server.database.db, {
    secretsKey,
    allowPrivateNetworks: false,
    timeoutMs: 500,
    retryBaseMs: 10,
    maxAttempts: 2,
    leaseMs: 5000,
    pollMs: 20,
    concurrency: 4,
  });
});

afterAll(async () => {
  await worker?.stop();
  await relay?.stop();
  await receiver?.close();
  await server?.close();
});

const create = (url: string) =>
  call(server.baseUrl, "POST", "/webhooks", { body: { url, event_types: ["student.*"] } });

describe("webhook URLs with private networks forbidden", () => {
  it("refuses loopback, private, link-local, unique-local and unspecified targets, IPv4 and IPv6", async () => {
    const port = new URL(receiver.url).port;
    for (const host of [
      "127.0.0.1",
      "127.1.2.3",
      "2130706433", // 127.0.0.1 as one number
      "0x7f.1", // and in hex shorthand
      "0.0.0.0",
      "10.1.2.3",
      "172.16.0.1",
      "172.31.255.255",
      "192.168.1.1",
      "169.254.169.254", // cloud metadata
      "100.64.0.1",
      "224.0.0.1",
      "[::1]",
      "[::]",
      "[::ffff:127.0.0.1]",
      "[::ffff:7f00:1]",
      "[::ffff:a00:1]",
      "[::ffff:169.254.169.254]",
      "[fe80::1]",
      "[fc00::1]",
      "[fd12:3456::1]",
      "[64:ff9b::a00:1]", // NAT64 of 10.0.0.1
      "[2002:c0a8:101::1]", // 6to4 of 192.168.1.1
      "localhost", // a name: refused on what it resolves to
    ]) {
      const answer = await create(`http://${host}:${port}/hook`);
      expectProblem(answer, 422, "webhook_url_forbidden");
    }
    expectProblem(await create(`https://localhost/hook`), 422, "webhook_url_forbidden");
  });

  it("accepts public addresses, and names that do not resolve yet (checked again at delivery)", async () => {
    for (const url of [
      "https://8.8.8.8/hook",
      "http://172.32.0.1/hook",
      "https://[2001:4860:4860::8888]/hook",
      "https://hooks.example.invalid/registrar",
    ]) {
      const answer = await create(url);
      expect(answer.status, `${url}: ${answer.text}`).toBe(201);
      expect((await call(server.baseUrl, "DELETE", `/webhooks/${answer.body.id}`)).status).toBe(204);
    }
  });

  it("checks again at delivery: a URL allowed when created that now resolves to loopback is not called", async () => {
    // created while private networks were allowed (as if its name resolved elsewhere then)
    configureWebhooks({ secretsKey, allowPrivateNetworks: true });
    const port = new URL(receiver.url).port;
    const created = await create(`http://localhost:${port}/rebound`);
    configureWebhooks({ secretsKey, allowPrivateNetworks: false });
    expect(created.status, created.text).toBe(201);
    const student = await call(server.baseUrl, "POST", "/students", {
      body: { name: "Rebound", email: `rebound.${randomBytes(3).toString("hex")}@example.org` },
    });
    expect(student.status).toBe(201);
    const rows = await waitFor("both attempts refused", async () => {
      const page = await call(server.baseUrl, "GET", `/webhooks/${created.body.id}/deliveries`);
      const deliveries = page.body.deliveries as Array<{
        attempt: number;
        error: string | null;
        next_attempt_at: string | null;
        status_code: number | null;
      }>;
      return deliveries.length === 2 && deliveries[1]?.error !== null && deliveries;
    });
    for (const row of rows) {
      expect(row.status_code).toBeNull();
      expect(row.error).toMatch(/localhost resolves to 127\.0\.0\.1, which is a loopback, private/);
    }
    expect(rows[1]?.next_attempt_at).toBeNull();
    expect(receiver.received).toHaveLength(0);
  });
});
