import type { Server } from "node:http";
import { Server as NetServer } from "node:net";
import { configureWebhooks, countActiveApiKeys } from "@registrar/core";
import { describeDatabase, migrateToLatest } from "@registrar/db";
import { loadConfig } from "./config.ts";
import { type EventBackground, startEventBackground } from "./events/background.ts";
import { answerClientErrors, requestTimeoutOptions } from "./http/client-errors.ts";
import { createLogger } from "./logger.ts";
import { createMemoryRateLimitStore, createRedisRateLimitStore, KEY_CACHE_TTL_MS } from "./security/index.ts";
import { openServerDatabase } from "./server-database.ts";
import { onStopSignals } from "./stop-signals.ts";
import { loadWebhookSecretsKey, startWebhookWorker, type WebhookWorker } from "./webhooks/index.ts";

/**
 * The server: config from `env`, the database opened and migrated, the HTTP listener, the
 * background loops and the stop signals. Resolves once the listener is being opened; the
 * process then lives until a stop signal ends it. A function (not a module's top level) so
 * that the bundle `pnpm start` runs can be a CommonJS script, which node can load from a
 * V8 code cache (scripts/bundle.mjs); src/main.ts calls it.
 */
export async function runServer(env: NodeJS.ProcessEnv): Promise<void> {
  const startedAt = performance.now();
  const config = loadConfig(env);
  const logger = createLogger(config.logLevel);
  // An embedded directory is locked for this process; db:seed, db:backup and keys come here.
  const { db, serveOwnerCommands } = openServerDatabase(config.database, logger);
  // The embedded database starts in the background from here (WebAssembly, its file system,
  // PostgreSQL): the HTTP side's modules (hono, tRPC, every route) are evaluated while it waits
  // on the disk and on compiling its WebAssembly, not before it begins.
  const httpModules = Promise.all([import("./app.ts"), import("@hono/node-server")]);

  const applied = await migrateToLatest(db);
  if (applied.length > 0) logger.info({ applied }, `applied ${applied.length} migration(s)`);
  const ownerChannel = await serveOwnerCommands();

  // With limits off (RATE_LIMIT_PER_MINUTE=0) no store is asked, so none connects to Redis.
  const redisUrl = config.rateLimitPerMinute > 0 ? config.redisUrl : undefined;
  const rateLimitStore = redisUrl
    ? await createRedisRateLimitStore(redisUrl, { logger })
    : createMemoryRateLimitStore();
  if (redisUrl) {
    // Start counting from the first request; if Redis is not there, start anyway (uncounted).
    await rateLimitStore
      .ready()
      .catch((error: Error) =>
        logger.warn({ err: { message: error.message } }, "redis is not reachable yet"),
      );
  }
  const [{ createApp }, { serve }] = await httpModules;
  const app = createApp({
    db,
    logger,
    webDistDir: config.webDistDir,
    auth: { mode: config.auth },
    rateLimit: { perMinute: config.rateLimitPerMinute, store: rateLimitStore },
    corsOrigins: config.corsOrigins,
    trpcMaxBatchSize: config.trpcMaxBatchSize,
    idempotency: { ttlHours: config.idempotencyTtlHours },
    school: config.school,
  });

  // Webhooks: the key that seals their secrets (outside the database), and the delivery worker.
  const webhookSecretsKey = loadWebhookSecretsKey(config.webhooks, config.database, logger);
  configureWebhooks({
    secretsKey: webhookSecretsKey,
    allowPrivateNetworks: config.webhooks.allowPrivateNetworks,
  });

  /**
   * The delivery worker and the outbox's relay and retention sweep (apps/server/src/events),
   * started one poll interval after the server listens and stopped before the pool closes.
   * Started before, the worker's first claim ran on the embedded database's one connection
   * (synchronously, in its WebAssembly) between serve() and the listen; started at the listen,
   * a readiness probe sent then still queued behind it. A first statement is a cold one (it
   * plans, and loads its tables into PostgreSQL's catalog caches): ~80-160 ms on PGlite.
   */
  let background: { webhookWorker: WebhookWorker; eventBackground: EventBackground } | undefined;
  let backgroundTimer: NodeJS.Timeout | undefined;
  function startBackground(): void {
    if (draining) return;
    const webhookWorker = startWebhookWorker(
      db,
      { ...config.webhooks, secretsKey: webhookSecretsKey },
      logger,
    );
    // Events just given their ids may have webhooks to go to: the worker looks at once.
    const eventBackground = startEventBackground({
      db,
      logger,
      ...config.events,
      onRelayed: () => webhookWorker.wake(),
    });
    background = { webhookWorker, eventBackground };
  }

  // Start-up notices about security, as log lines and, for a human at the terminal, on stderr.
  const securityNotices: string[] = [];
  if (config.auth === "off") {
    logger.warn({ auth: "off" }, "AUTH is off: every request is allowed without an API key");
    securityNotices.push(
      "  WARNING    AUTH=off: anyone who can reach this port can read and change everything.",
      "             Set AUTH=required (the default when NODE_ENV=production) to require API keys.",
    );
  } else {
    const activeKeys = await countActiveApiKeys(db);
    logger.info({ auth: "required", activeKeys, keyCacheTtlMs: KEY_CACHE_TTL_MS }, "API keys are required");
    if (activeKeys === 0) {
      logger.warn("no API keys exist yet: create the first admin key with `pnpm keys create --role admin`");
      securityNotices.push(
        "  NO KEYS    AUTH=required but no API key exists yet, so every request answers 401.",
        "             Create the first admin key (same DATABASE_URL / PGLITE_DIR; this server can keep running):",
        '               pnpm keys create --role admin --name "first admin"',
      );
    }
  }
  logger.info(
    {
      rateLimitPerMinute: config.rateLimitPerMinute,
      rateLimitStore: config.rateLimitPerMinute === 0 ? "off" : config.redisUrl ? "redis" : "memory",
      corsOrigins: config.corsOrigins,
    },
    "rate limits and CORS",
  );
  /**
   * Once a stop signal has arrived every answer says `Connection: close`, so keep-alive clients
   * and load balancers send their next request elsewhere rather than to this process.
   */
  let draining = false;
  const fetchDraining: typeof app.fetch = async (request, ...rest) => {
    const response = await app.fetch(request, ...rest);
    if (!draining) return response;
    try {
      response.headers.set("connection", "close");
      return response;
    } catch {
      // a response with immutable headers
      const copy = new Response(response.body, response);
      copy.headers.set("connection", "close");
      return copy;
    }
  };

  // Bounded request and header timeouts (config.ts); Node's defaults are minutes.
  const listen = {
    fetch: fetchDraining,
    port: config.port,
    hostname: config.host,
    serverOptions: requestTimeoutOptions(config),
  };
  const server = serve(listen, (info) => {
    backgroundTimer = setTimeout(startBackground, config.webhooks.pollMs);
    const base = `http://${info.address.includes(":") ? `[${info.address}]` : info.address}:${info.port}`;
    logger.info(
      { database: describeDatabase(config.database), startupMs: Math.round(performance.now() - startedAt) },
      "registrar is listening",
    );
    // The human summary goes to stderr so stdout stays pure JSON logs.
    console.error(
      [
        "",
        `  Registrar is running on ${describeDatabase(config.database)}`,
        `  API        ${base}/  (REST)  and  ${base}/trpc  (tRPC)`,
        `  Docs       ${base}/docs   OpenAPI ${base}/openapi.json`,
        `  Web UI     ${base}/`,
        `  Auth       ${config.auth}   Rate limit ${config.rateLimitPerMinute === 0 ? "off" : `${config.rateLimitPerMinute}/min per key or IP${config.redisUrl ? " (shared in Redis)" : ""}`}`,
        ...securityNotices,
        "",
      ].join("\n"),
    );
  });

  answerClientErrors(server as Server, { logger, timeouts: config });

  /**
   * After a stop signal the listener stays open until the kernel's accept queue is empty:
   * connections that clients opened before the signal may still wait there (a busy process
   * accepts them one per event-loop turn), and closing the listener would reset them with
   * their requests unanswered. Bounded by half the shutdown timeout.
   */
  const ACCEPT_CHECK_MS = 20;

  /**
   * Graceful stop on SIGTERM or SIGINT: stop accepting, finish every request already received
   * (bounded by SHUTDOWN_TIMEOUT_MS), close the pool, exit 0. Answers sent while draining say
   * `Connection: close`; keep-alive connections left idle close after Node's keepAliveTimeout
   * (5 s). Not http.Server#close(), which drops idle keep-alive connections at once: a
   * connection that looks idle may hold a request the process has not read yet. A signal sent
   * again later (not a copy of the first: see stop-signals.ts) cuts the remaining connections
   * without waiting for the timeout.
   */
  function shutdown(signal: NodeJS.Signals): void {
    const httpServer = server as Server;
    draining = true;
    clearTimeout(backgroundTimer);
    // No new webhook attempts; those in flight finish (each within WEBHOOK_TIMEOUT_MS) and are recorded.
    const webhooksStopped = background?.webhookWorker.stop();
    logger.info(
      { signal, shutdownTimeoutMs: config.shutdownTimeoutMs },
      "shutting down: no new connections, finishing in-flight requests",
    );
    // Each round is timer, poll, check: the listening socket is level-triggered, so while
    // connections wait in the queue every poll phase accepts at least one. A round that
    // accepted nothing means the queue is empty: then net.Server#close() stops accepting (its
    // callback runs once the last connection has closed).
    let acceptedThisRound = false;
    const noteAccept = () => {
      acceptedThisRound = true;
    };
    httpServer.on("connection", noteAccept);
    const acceptUntil = performance.now() + config.shutdownTimeoutMs / 2;
    const closeWhenQueueEmpty = () => {
      if (acceptedThisRound && performance.now() < acceptUntil) {
        acceptedThisRound = false;
        setTimeout(() => setImmediate(closeWhenQueueEmpty), ACCEPT_CHECK_MS);
        return;
      }
      httpServer.off("connection", noteAccept);
      NetServer.prototype.close.call(httpServer, () => void finish());
    };
    acceptedThisRound = true;
    closeWhenQueueEmpty();
    const force = setTimeout(() => {
      logger.warn(
        { shutdownTimeoutMs: config.shutdownTimeoutMs },
        "requests still in flight; closing anyway",
      );
      httpServer.closeAllConnections();
    }, config.shutdownTimeoutMs);

    async function finish(): Promise<void> {
      clearTimeout(force);
      try {
        await webhooksStopped;
        await ownerChannel?.close();
        await background?.eventBackground.stop();
        await Promise.all([db.destroy(), rateLimitStore.close()]);
      } catch (error) {
        logger.error({ err: error }, "closing the database pool failed");
        process.exit(1);
      }
      logger.info("stopped");
      // One line for the person who pressed Ctrl-C.
      console.error(`  Registrar stopped (${signal}): requests in flight finished, database closed.`);
      process.exit(0);
    }
  }
  onStopSignals({
    stop: shutdown,
    again(signal) {
      logger.warn({ signal }, "stop signal sent again: closing the remaining connections now");
      (server as Server).closeAllConnections();
    },
  });
}
