/**
 * Webhook delivery figures against a real server process on PostgreSQL (not part of
 * `pnpm test`): latency from commit to receiver (p50/p99) for single writes, and
 * throughput (events per second delivered) to one subscription and to ten.
 *
 *   pnpm --filter @registrar/bench exec tsx src/webhooks.ts [--poll-ms 100] [--relay-ms 200]
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import pg from "pg";

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const index = args.indexOf(`--${name}`);
  return index >= 0 ? (args[index + 1] ?? fallback) : fallback;
};
const adminUrl = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const dbName = `bench_webhooks_${process.pid}`;
const dbUrl = adminUrl.replace(/\/[^/]*$/, `/${dbName}`);
const mainPath = fileURLToPath(new URL("../../apps/server/src/main.ts", import.meta.url));

const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`create database ${dbName}`);

const arrivals = new Map<string, number[]>();
let received = 0;
const receiver = createServer((request, response) => {
  request.resume();
  request.on("end", () => {
    received += 1;
    const path = request.url ?? "/";
    const list = arrivals.get(path) ?? [];
    list.push(performance.now());
    arrivals.set(path, list);
    response.writeHead(204).end();
  });
});
await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

const port = 3900 + (process.pid % 50);
const server = spawn(process.execPath, ["--import", "tsx", mainPath], {
  env: {
    ...process.env,
    DATABASE_URL: dbUrl,
    PORT: String(port),
    AUTH: "off",
    RATE_LIMIT_PER_MINUTE: "0",
    LOG_LEVEL: "warn",
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true",
    WEBHOOK_SECRETS_KEY: randomBytes(32).toString("base64"),
    WEBHOOK_POLL_MS: option("poll-ms", "100"),
    EVENTS_RELAY_INTERVAL_MS: option("relay-ms", "200"),
  },
  stdio: ["ignore", "ignore", "inherit"],
});
const base = `http://127.0.0.1:${port}`;
for (;;) {
  try {
    if ((await fetch(`${base}/health/ready`)).ok) break;
  } catch {}
  await new Promise((resolve) => setTimeout(resolve, 100));
}

async function post(path: string, body: unknown) {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 201) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<{ id: number }>;
}
const waitUntil = async (condition: () => boolean) => {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 2));
};
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

// latency: one write at a time, each answered (so committed) before the clock starts
await post("/webhooks", { url: `${receiverUrl}/latency`, event_types: ["student.created"] });
const latencies: number[] = [];
for (let index = 0; index < 200; index += 1) {
  const before = received;
  await post("/students", { name: `Latency ${index}`, email: `lat${index}.${dbName}@example.org` });
  const committed = performance.now();
  await waitUntil(() => received > before);
  latencies.push((arrivals.get("/latency")?.at(-1) ?? NaN) - committed);
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
}
latencies.sort((a, b) => a - b);
console.log(
  `latency commit→receiver, 200 single writes: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms`,
);

// throughput: events written in one statement, then the time until every one has arrived
const db = new pg.Client({ connectionString: dbUrl });
await db.connect();
for (const subscriptions of [1, 10]) {
  const tag = `t${subscriptions}`;
  for (let index = 0; index < subscriptions; index += 1) {
    await post("/webhooks", { url: `${receiverUrl}/${tag}-${index}`, event_types: ["course.created"] });
  }
  const count = 2000;
  const before = received;
  const started = performance.now();
  await db.query(
    "insert into courses (name, level) select 'Bench ' || n, 'x' from generate_series(1, $1) n",
    [count],
  );
  await waitUntil(() => received - before >= count * subscriptions);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `throughput, ${count} events to ${subscriptions} subscription(s): ${((count * subscriptions) / seconds).toFixed(0)} deliveries/s (${(count / seconds).toFixed(0)} events/s per subscription), ${seconds.toFixed(1)} s`,
  );
}

await db.end();
server.kill("SIGTERM");
await new Promise((resolve) => server.once("exit", resolve));
receiver.close();
await admin.query(`drop database ${dbName} with (force)`);
await admin.end();
