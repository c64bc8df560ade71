import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { configureWebhooks } from "@registrar/core";
import { createTestDatabase, type TestDatabase } from "@registrar/db/testing";
import { type AppOptions, createApp } from "./app.ts";
import { startEventBackground } from "./events/background.ts";
import { answerClientErrors } from "./http/client-errors.ts";
import { startWebhookWorker, type WebhookWorkerOptions } from "./webhooks/index.ts";

export type TestServer = {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  database: TestDatabase;
  close(): Promise<void>;
};

export type TestServerOptions = Omit<AppOptions, "db"> & {
  /**
   * Delivers webhooks as main.ts does: the events relay and a delivery worker run beside
   * the app, with a fresh secrets key. Private networks are allowed unless said otherwise
   * (a test's receiver listens on 127.0.0.1); the network policy is the process's (see
   * core's configureWebhooks), so it holds for every server of the test file.
   */
  webhooks?: Partial<Omit<WebhookWorkerOptions, "secretsKey">>;
};

/**
 * The real app on a random local port, over a database of its own (PGlite snapshot or a
 * fresh PostgreSQL database, per REGISTRAR_TEST_DB). For tests in any package.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const { webhooks, ...appOptions } = options;
  const database = await createTestDatabase();
  const app = createApp({ ...appOptions, db: database.db });
  const background = webhooks ? startWebhookDelivery(database, webhooks) : undefined;
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
  });
  // As main.ts does, with Node's default timeouts (tests of the timeouts run the real process).
  answerClientErrors(server as Server, {
    timeouts: {
      requestTimeoutMs: (server as Server).requestTimeout,
      headersTimeoutMs: (server as Server).headersTimeout,
    },
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    database,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as Server).closeAllConnections();
      await closed;
      await background?.stop();
      await database.drop();
    },
  };
}

/** The relay (feed ids, quickly) and a delivery worker that retries quickly, for tests. */
function startWebhookDelivery(
  database: TestDatabase,
  options: Partial<Omit<WebhookWorkerOptions, "secretsKey">>,
): { stop(): Promise<void> } {
  const secretsKey = randomBytes(32);
  const worker: WebhookWorkerOptions = {
    allowPrivateNetworks: true,
    timeoutMs: 5000,
    retryBaseMs: 50,
    maxAttempts: 3,
    leaseMs: 20_000,
    pollMs: 20,
    concurrency: 4,
    ...options,
    secretsKey,
  };
  configureWebhooks({ secretsKey, allowPrivateNetworks: worker.allowPrivateNetworks });
  const delivery = startWebhookWorker(database.db, worker);
  const events = startEventBackground({
    db: database.db,
    relayIntervalMs: 20,
    retentionDays: 30,
    sweepIntervalMs: 60_000,
    onRelayed: () => delivery.wake(),
  });
  return {
    async stop() {
      await delivery.stop();
      await events.stop();
    },
  };
}
