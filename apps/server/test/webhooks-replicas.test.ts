import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTestDatabase,
  createTestDataDir,
  type TestDatabase,
  testDatabaseTarget,
} from "@registrar/db/testing";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ServerProcess, startServerProcess } from "./reliability/server-process.ts";
import { call } from "./security/harness.ts";
import { startWebhookReceiver, type WebhookReceiver, waitFor } from "./webhook-receiver.ts";

/**
 * Webhook delivery by real server processes (the bundle `pnpm start` runs): a server killed with SIGKILL in
 * the middle of a delivery loses nothing (the next one delivers the event again, with the
 * same webhook-id, once the dead one's lease has run out), and two replicas on one
 * PostgreSQL database share the work without delivering an event twice.
 */

const target = testDatabaseTarget();
const webhookEnv = {
  WEBHOOK_SECRETS_KEY: randomBytes(32).toString("base64"),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true",
  WEBHOOK_RETRY_BASE_MS: "50",
  WEBHOOK_POLL_MS: "20",
  // generous: on a loaded machine a slow answer must not count as a timeout (a retry, a duplicate)
  WEBHOOK_TIMEOUT_MS: "4000",
  WEBHOOK_LEASE_MS: "6000",
  EVENTS_RELAY_INTERVAL_MS: "20",
};

type Delivery = { event_id: string; attempt: number; status_code: number | null; error: string | null };

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await startWebhookReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

async function subscribe(baseUrl: string, path: string): Promise<number> {
  const created = await call(baseUrl, "POST", "/webhooks", {
    body: { url: `${receiver.url}${path}`, event_types: ["student.created"] },
  });
  expect(created.status, created.text).toBe(201);
  return created.body.id as number;
}

async function makeStudent(baseUrl: string, name: string): Promise<number> {
  const answer = await call(baseUrl, "POST", "/students", {
    body: { name, email: `${name.replace(/\W/g, "")}.${randomBytes(4).toString("hex")}@example.org` },
  });
  expect(answer.status, answer.text).toBe(201);
  return answer.body.id as number;
}

async function deliveries(baseUrl: string, webhookId: number): Promise<Delivery[]> {
  const page = await call(baseUrl, "GET", `/webhooks/${webhookId}/deliveries?limit=200`);
  expect(page.status, page.text).toBe(200);
  return page.body.deliveries as Delivery[];
}

const requestsTo = (path: string) => receiver.received.filter((request) => request.path === path);
const studentOf = (body: string) => (JSON.parse(body) as { data: { id: number } }).data.id;

describe(`a server killed mid-delivery (${target.kind})`, () => {
  let database: TestDatabase | undefined;
  let pgliteDir: string | undefined;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    if (target.kind === "postgres") database = await createTestDatabase();
    else {
      pgliteDir = await mkdtemp(join(tmpdir(), "registrar-webhooks-"));
      await createTestDataDir(join(pgliteDir, "pglite"));
    }
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.kill()));
    await database?.drop();
    if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
  });
  const where = () => database?.url ?? join(pgliteDir ?? "", "pglite");

  it("loses nothing: after SIGKILL the next server delivers the same event again, then the rest in order", async () => {
    const first = await startServerProcess(where(), webhookEnv);
    servers.push(first);
    const webhookId = await subscribe(first.baseUrl, "/killed");
    let calls = 0;
    receiver.answerWith((request) => {
      if (request.path !== "/killed") return 200;
      calls += 1;
      return calls === 1 ? "hang" : 200;
    });
    const students: number[] = [];
    for (let index = 0; index < 5; index += 1)
      students.push(await makeStudent(first.baseUrl, `Killed ${index}`));
    await waitFor("the first delivery to arrive (and hang)", () => requestsTo("/killed").length === 1);
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");

    const second = await startServerProcess(where(), webhookEnv);
    servers.push(second);
    const rows = await waitFor(
      "every event delivered by the second server",
      async () => {
        const list = await deliveries(second.baseUrl, webhookId);
        return list.filter((row) => row.status_code === 200).length === students.length && list;
      },
      60_000,
    );
    const received = requestsTo("/killed");
    // the event in flight at the kill came again, with the same webhook-id
    expect(received[0]?.headers["webhook-id"]).toBe(received[1]?.headers["webhook-id"]);
    expect(received.slice(1).map((request) => studentOf(request.body))).toEqual(students);
    expect(rows[0]).toMatchObject({
      attempt: 1,
      status_code: null,
      error: expect.stringMatching(/lease ran out/),
    });
    expect(rows[1]).toMatchObject({ event_id: rows[0]?.event_id, attempt: 2, status_code: 200 });
    receiver.answerWith(() => 200);
  }, 120_000);
});

describe(`the secrets key file (${target.kind}, WEBHOOK_SECRETS_KEY unset)`, () => {
  let database: TestDatabase | undefined;
  let dir: string;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "registrar-webhook-key-"));
    if (target.kind === "postgres") database = await createTestDatabase();
    else await createTestDataDir(join(dir, "pglite"));
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.kill()));
    await database?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it("is created with mode 0600 beside the data, kept across restarts, and signs after one", async () => {
    const { WEBHOOK_SECRETS_KEY: _unset, ...env } = webhookEnv;
    // PGlite: the default place, beside the data directory; PostgreSQL: a file named for the test
    const keyFile = join(dir, "webhook-secrets.key");
    const where = database?.url ?? join(dir, "pglite");
    const withKeyFile = database ? { ...env, WEBHOOK_SECRETS_KEY_FILE: keyFile } : env;
    const first = await startServerProcess(where, withKeyFile);
    servers.push(first);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    const key = await readFile(keyFile, "utf8");
    expect(Buffer.from(key.trim(), "base64")).toHaveLength(32);
    expect(first.output()).toMatch(/replicas must share this key/);
    const created = await call(first.baseUrl, "POST", "/webhooks", {
      body: { url: `${receiver.url}/key-file`, event_types: ["student.created"] },
    });
    expect(created.status, created.text).toBe(201);
    first.child.kill("SIGTERM");
    await first.exited;

    const second = await startServerProcess(where, withKeyFile);
    servers.push(second);
    expect(await readFile(keyFile, "utf8")).toBe(key);
    await makeStudent(second.baseUrl, "After Restart");
    const [request] = await waitFor(
      "the delivery",
      () => requestsTo("/key-file").length > 0 && requestsTo("/key-file"),
    );
    const headers = Object.fromEntries(
      ["webhook-id", "webhook-timestamp", "webhook-signature"].map((name) => [
        name,
        String(request?.headers[name]),
      ]),
    );
    expect(new Webhook(String(created.body.secret)).verify(request?.body ?? "", headers)).toMatchObject({
      type: "student.created",
    });
  }, 120_000);
});

if (target.kind === "pglite") {
  describe("two replicas delivering: does not apply on PGlite (runs with REGISTRAR_TEST_DB=postgres)", () => {
    it("prints why it does not run here", () => {
      console.log(
        "NOTICE: the two-replica webhook test runs only on PostgreSQL: two processes cannot share PGlite.",
      );
      expect(target.kind).toBe("pglite");
    });
  });
} else {
  describe("two replicas on one PostgreSQL database", () => {
    let database: TestDatabase;
    const replicas: ServerProcess[] = [];

    beforeAll(async () => {
      database = await createTestDatabase();
      const url = database.url ?? "";
      replicas.push(
        ...(await Promise.all([startServerProcess(url, webhookEnv), startServerProcess(url, webhookEnv)])),
      );
    }, 120_000);
    afterAll(async () => {
      await Promise.all(replicas.map((replica) => replica.kill()));
      await database?.drop();
    });

    it("deliver every event once, in order, to each subscription, while writes go to both", async () => {
      const [a, b] = replicas.map((replica) => replica.baseUrl) as [string, string];
      const paths = ["/replicas-1", "/replicas-2", "/replicas-3"];
      const webhookIds = [];
      for (const path of paths) webhookIds.push(await subscribe(a, path));
      const count = 60;
      const students = await Promise.all(
        Array.from({ length: count }, (_, index) => makeStudent(index % 2 === 0 ? a : b, `Replica ${index}`)),
      );
      await waitFor(
        "every event at every subscription",
        () => paths.every((path) => requestsTo(path).length >= count),
        60_000,
      );
      for (const [index, path] of paths.entries()) {
        const received = requestsTo(path).map((request) => BigInt(String(request.headers["webhook-id"])));
        expect(received).toHaveLength(count);
        expect(new Set(received).size).toBe(count);
        expect([...received].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(received);
        expect(new Set(requestsTo(path).map((request) => studentOf(request.body)))).toEqual(
          new Set(students),
        );
        const rows = await deliveries(b, webhookIds[index] ?? 0);
        expect(rows.every((row) => row.attempt === 1 && row.status_code === 200)).toBe(true);
      }
    }, 120_000);
  });
}
