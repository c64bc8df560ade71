import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { createTestDatabase, type TestDatabase } from "@registrar/db/testing";
import { type AppOptions, createApp } from "./app.ts";
import { answerClientErrors } from "./http/client-errors.ts";

export type TestServer = {
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  database: TestDatabase;
  close(): Promise<void>;
};

/**
 * The real app on a random local port, over a database of its own (PGlite snapshot or a
 * fresh PostgreSQL database, per REGISTRAR_TEST_DB). For tests in any package.
 */
export async function startTestServer(options: Omit<AppOptions, "db"> = {}): Promise<TestServer> {
  const database = await createTestDatabase();
  const app = createApp({ ...options, db: database.db });
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
      await database.drop();
    },
  };
}
