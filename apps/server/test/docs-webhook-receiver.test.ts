import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { configureWebhooks } from "@registrar/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { startWebhookWorker, type WebhookWorker } from "../src/webhooks/index.ts";
import { call } from "./security/harness.ts";
import { runEventRelay, waitFor } from "./webhook-receiver.ts";

/**
 * docs/examples/webhook-receiver.mjs, the receiver of docs/events.md, run as its README
 * says (`node webhook-receiver.mjs` with the secret in the environment) and sent real
 * deliveries by the server's worker: it verifies them, handles each event once, replays
 * included, and refuses a forged one.
 */

const example = fileURLToPath(new URL("../../../docs/examples/webhook-receiver.mjs", import.meta.url));
const serverDir = fileURLToPath(new URL("..", import.meta.url));
const sdkPackage = new URL("../../../packages/sdk/package.json", import.meta.url).href;
/**
 * The example imports `@registrar/sdk` as an installed package. In this repository that is
 * the SDK's TypeScript source: `@registrar/sdk` resolved from the SDK itself (a package may
 * name itself) under its source condition, and compiled by tsx. A module given to
 * `--import` registers that resolve hook.
 */
const sdkFromSource = `export async function resolve(specifier, context, next) {
  if (specifier !== "@registrar/sdk") return next(specifier, context);
  return next(specifier, { ...context, parentURL: ${JSON.stringify(sdkPackage)}, conditions: [...context.conditions, "@registrar/source"] });
}`;
const registerSdkFromSource = `import { register } from "node:module";
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(sdkFromSource)}`)});`;

const secretsKey = randomBytes(32);
let server: TestServer;
let worker: WebhookWorker;
let relay: { stop(): Promise<void> };
let receiver: ChildProcess | undefined;

beforeAll(async () => {
  configureWebhooks({ secretsKey, allowPrivateNetworks: true });
  server = await startTestServer();
  relay = runEventRelay(server.database.db);
  worker = startWebhookWorker(server.database.db, {
    secretsKey,
    allowPrivateNetworks: true,
    timeoutMs: 5000,
    retryBaseMs: 50,
    maxAttempts: 8,
    leaseMs: 20_000,
    pollMs: 20,
    concurrency: 4,
  });
});
afterAll(async () => {
  receiver?.kill("SIGTERM");
  await worker?.stop();
  await relay?.stop();
  await server?.close();
});

/** A port nobody listens on now: the webhook's URL has to be known before the receiver starts. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const api = (method: string, path: string, body?: unknown) => call(server.baseUrl, method, path, { body });

it("the docs' receiver verifies real deliveries, handles each event once (a replay comes as duplicates) and refuses a forgery", async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/registrar`;
  const created = await api("POST", "/webhooks", { url, event_types: ["student.*", "enrollment.*"] });
  expect(created.status, created.text).toBe(201);
  const webhook = created.body as { id: number; secret: string };

  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--import",
      `data:text/javascript,${encodeURIComponent(registerSdkFromSource)}`,
      example,
    ],
    {
      cwd: serverDir,
      env: { ...process.env, REGISTRAR_WEBHOOK_SECRET: webhook.secret, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  receiver = child;
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (text: string) => {
    stdout += text;
  });
  child.stderr?.setEncoding("utf8").on("data", (text: string) => {
    stderr += text;
  });
  const lines = () =>
    stdout
      .split("\n")
      .slice(0, -1)
      .map((line) => JSON.parse(line) as Record<string, string>);
  await waitFor(
    "the receiver to listen",
    () => lines().some((line) => line.listening === `http://127.0.0.1:${port}`),
    60_000,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; its stderr: ${stderr}`);
  });

  const student = await api("POST", "/students", { name: "Ada Lovelace", email: "ada@example.org" });
  const course = await api("POST", "/courses", { name: "Algebra", level: "beginner" });
  const enrolled = await api("POST", `/students/${student.body.id}/courses`, {
    course_ids: [course.body.id],
  });
  expect(enrolled.status, enrolled.text).toBe(201);

  const handled = () => lines().filter((line) => line.handled !== undefined);
  await waitFor("both events handled", () => handled().length === 2);
  expect(handled()).toEqual([
    {
      handled: expect.stringMatching(/^\d+$/),
      type: "student.created",
      what: `student ${student.body.id} is Ada Lovelace <ada@example.org>`,
    },
    {
      handled: expect.stringMatching(/^\d+$/),
      type: "enrollment.enrolled",
      what: `student ${student.body.id} is active in course ${course.body.id} (Algebra)`,
    },
  ]);

  // A replay delivers both again, with the same webhook-id: the receiver does nothing twice.
  const first = handled()[0]?.handled ?? "";
  const replay = await api("POST", `/webhooks/${webhook.id}/replay`, { from_event_id: first });
  expect(replay.status, replay.text).toBe(200);
  const duplicates = () => lines().filter((line) => line.duplicate !== undefined);
  await waitFor("both events again", () => duplicates().length === 2);
  expect(duplicates().map((line) => line.duplicate)).toEqual(handled().map((line) => line.handled));
  expect(handled()).toHaveLength(2);

  const forged = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": "1",
      "webhook-timestamp": String(Math.floor(Date.now() / 1000)),
      "webhook-signature": `v1,${randomBytes(32).toString("base64")}`,
    },
    body: JSON.stringify({
      id: "1",
      type: "student.deleted",
      occurred_at: new Date().toISOString(),
      data: { id: 1 },
    }),
  });
  expect(forged.status).toBe(400);
  await waitFor("the refusal", () => lines().some((line) => line.refused === "no_matching_signature"));

  const deliveries = await api("GET", `/webhooks/${webhook.id}/deliveries`);
  expect(
    (deliveries.body.deliveries as Array<{ status_code: number }>).map((row) => row.status_code),
  ).toEqual([204, 204, 204, 204]);
  expect(stderr).toBe("");
});
