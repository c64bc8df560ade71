// A webhook receiver for Registrar (docs/events.md), in plain Node.js: it checks every
// delivery with the SDK's verifyWebhook, handles each event once however often it comes,
// and answers 2xx only once the event is handled (any other answer is retried).
//
//   npm install @registrar/sdk
//   REGISTRAR_WEBHOOK_SECRET=whsec_... PORT=4000 node webhook-receiver.mjs
//
// It prints one JSON line per request: { handled }, { duplicate } or { refused }.
// (apps/server/test/docs-webhook-receiver.test.ts runs this file against a real server.)
import { createServer } from "node:http";
import { verifyWebhook, WebhookVerificationError } from "@registrar/sdk";

const { REGISTRAR_WEBHOOK_SECRET: secret, PORT = "4000", HOST = "127.0.0.1" } = process.env;
if (!secret?.startsWith("whsec_")) {
  console.error("Set REGISTRAR_WEBHOOK_SECRET to the whsec_… secret shown when the webhook was created.");
  process.exit(2);
}

// Deliveries are at least once: after a crash of the server, or a replay, an event comes
// again with the same id (the webhook-id header). So the ids handled are remembered. Here
// in memory; a real receiver records the id in the same database transaction as what it
// does with the event (e.g. INSERT INTO handled_events (id) ... ON CONFLICT DO NOTHING,
// and does nothing more when no row was inserted), so a crash between the two is impossible.
const handled = new Set();

/**
 * What this receiver does with an event. The SDK types it as a union over `type`
 * (RegistrarEvent), so in an editor each case knows its `data`.
 * @param {import("@registrar/sdk").RegistrarEvent} event
 */
function handle(event) {
  switch (event.type) {
    case "student.created":
    case "student.updated":
      return `student ${event.data.id} is ${event.data.name} <${event.data.email}>`;
    case "enrollment.enrolled":
    case "enrollment.waitlisted":
    case "enrollment.promoted":
    case "enrollment.dropped":
    case "enrollment.completed":
    case "enrollment.reactivated":
      return `student ${event.data.student_id} is ${event.data.status} in course ${event.data.id} (${event.data.name})`;
    case "student.deleted":
    case "course.deleted":
    case "term.deleted":
      return `${event.type.split(".")[0]} ${event.data.id} was deleted`;
    default:
      return `${event.type} ${event.data.id}`;
  }
}

function log(line) {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const server = createServer(async (request, response) => {
  if (request.method !== "POST") return response.writeHead(405).end();
  // The signature covers the body byte for byte: verify the raw bytes, never re-serialized JSON.
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  let event;
  try {
    event = await verifyWebhook(secret, Buffer.concat(chunks), request.headers);
  } catch (error) {
    if (!(error instanceof WebhookVerificationError)) throw error;
    log({ refused: error.reason });
    return response.writeHead(400).end();
  }
  if (handled.has(event.id)) {
    log({ duplicate: event.id, type: event.type });
  } else {
    log({ handled: event.id, type: event.type, what: handle(event) });
    handled.add(event.id);
  }
  // Any 2xx is delivered; answer quickly (the server waits WEBHOOK_TIMEOUT_MS, 10 s, at most).
  response.writeHead(204).end();
});

server.listen(Number(PORT), HOST, () => {
  const { address, port } = server.address();
  log({ listening: `http://${address}:${port}` });
});
process.once("SIGTERM", () => server.close());
process.once("SIGINT", () => server.close());
