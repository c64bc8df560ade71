import { relayEvents, sweepEvents, sweepWebhookDeliveries } from "@registrar/core";
import type { Database } from "@registrar/db";
import type { Logger } from "pino";

export type EventBackgroundOptions = {
  db: Database;
  logger?: Pick<Logger, "warn">;
  /**
   * How often the relay gives committed events their feed ids (EVENTS_RELAY_INTERVAL_MS)
   * while there are some; each run that finds none doubles the pause, up to
   * {@link RELAY_IDLE_FACTOR} times this.
   */
  relayIntervalMs: number;
  /**
   * Events older than this many days are deleted (EVENTS_RETENTION_DAYS), and so are the
   * webhook deliveries of that age whose event their subscription is done with.
   */
  retentionDays: number;
  /** How often the retention sweep runs (EVENTS_SWEEP_INTERVAL_MS). */
  sweepIntervalMs: number;
  /** Called after a relay run that gave ids to some events (e.g. to wake webhook delivery). */
  onRelayed?: (assigned: number) => void;
};

export type EventBackground = {
  /** Stops both loops and waits for a run in progress, so the pool can be closed after it. */
  stop(): Promise<void>;
};

/**
 * How much longer than EVENTS_RELAY_INTERVAL_MS the relay may wait while nothing happens: an
 * idle server asked the database five times a second for nothing (with the delivery
 * worker's polls, 8.7% of a core on PGlite, measured over 20 s). Backing off to 1 s (the
 * default interval times 5) costs the first event after a quiet spell at most that much
 * latency; the next run after one that found events is back at the interval.
 */
const RELAY_IDLE_FACTOR = 5;

/**
 * The two periodic jobs of the outbox on every replica: the relay (feed ids for committed
 * events, so webhooks see them without anyone reading `GET /events`; see the Event model)
 * and the retention sweep (bounded, indexed deletes of old events and of the old
 * deliveries of events their webhooks are done with). Each is a loop of its own that waits
 * its interval after a run, so a slow run never overlaps the next, and replicas running
 * both at once only queue on the relay's lock. A failed run (the database
 * restarting) is logged and the loop goes on.
 */
export function startEventBackground(options: EventBackgroundOptions): EventBackground {
  const loops = [
    repeat(
      "relay",
      options.relayIntervalMs,
      async () => {
        const assigned = await relayEvents(options.db);
        if (assigned > 0) options.onRelayed?.(assigned);
        return assigned > 0;
      },
      options.logger,
      options.relayIntervalMs * RELAY_IDLE_FACTOR,
    ),
    repeat(
      "retention sweep",
      options.sweepIntervalMs,
      async () => {
        await sweepEvents(options.db, { retentionDays: options.retentionDays });
        await sweepWebhookDeliveries(options.db, { retentionDays: options.retentionDays });
      },
      options.logger,
    ),
  ];
  return {
    stop: async () => {
      await Promise.all(loops.map((loop) => loop.stop()));
    },
  };
}

/**
 * Runs `run` again `intervalMs` after each run ends. With `idleMaxMs`, a run that resolves
 * false (it found nothing to do) doubles the pause before the next, up to `idleMaxMs`; a
 * run that resolves anything else starts again at `intervalMs`.
 */
function repeat(
  name: string,
  intervalMs: number,
  run: () => Promise<unknown>,
  logger: Pick<Logger, "warn"> | undefined,
  idleMaxMs = intervalMs,
): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let pauseMs = intervalMs;
  const tick = () => {
    running = run()
      .then(
        (worked: unknown) => {
          pauseMs = worked === false ? Math.min(pauseMs * 2, idleMaxMs) : intervalMs;
        },
        (error: unknown) => {
          pauseMs = intervalMs;
          if (!stopped) logger?.warn({ err: error }, `events ${name} failed; trying again`);
        },
      )
      .finally(() => {
        running = undefined;
        if (!stopped) schedule();
      });
  };
  const schedule = () => {
    timer = setTimeout(tick, pauseMs);
    // the loops never keep a process alive on their own
    timer.unref();
  };
  schedule();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
