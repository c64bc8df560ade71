import {
  claimWebhookAttempts,
  finishWebhookAttempt,
  openWebhookSecret,
  secretsKeyId,
  signWebhook,
  type WebhookAttempt,
  type WebhookAttemptOutcome,
} from "@registrar/core";
import type { Database } from "@registrar/db";
import type { Logger } from "pino";
import type { WebhookConfig } from "../config.ts";
import { postWebhook } from "./deliver.ts";

export type WebhookWorkerOptions = Omit<WebhookConfig, "secretsKey" | "secretsKeyFile"> & {
  secretsKey: Buffer;
};

export type WebhookWorker = {
  /** Looks for due attempts now (the relay has given new events their ids). */
  wake(): void;
  /** Stops claiming, and resolves once the attempts in flight are recorded (each bounded by the timeout). */
  stop(): Promise<void>;
};

/**
 * How much longer than WEBHOOK_POLL_MS the worker may wait while it finds nothing: new
 * events wake it (the relay calls `wake`), so an idle wait delays only a retry that falls
 * due meanwhile (retries are seconds apart) or an event relayed by another replica.
 */
const WORKER_IDLE_FACTOR = 10;

const USER_AGENT = "Registrar-Webhooks/1.1";

/**
 * The delivery worker: claims due attempts (core's `claimWebhookAttempts`: a short
 * `FOR UPDATE SKIP LOCKED` transaction that leases them), POSTs each outside any
 * transaction, and records its outcome (`finishWebhookAttempt`). Any number of replicas
 * run one each over one database: a subscription is leased to one worker at a time, and a
 * worker that dies leaves its lease to run out and the attempt to be made again by another,
 * with the same `webhook-id`. Up to `concurrency` attempts are in flight at once, one per
 * subscription at most (the lease), so a slow receiver delays only its own subscription.
 */
export function startWebhookWorker(
  db: Database,
  options: WebhookWorkerOptions,
  logger?: Logger,
): WebhookWorker {
  const keyId = secretsKeyId(options.secretsKey);
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  let wake: (() => void) | undefined;
  const policy = { maxAttempts: options.maxAttempts, retryBaseMs: options.retryBaseMs };

  async function deliver(attempt: WebhookAttempt): Promise<WebhookAttemptOutcome> {
    if (attempt.secretKeyId !== keyId) {
      return {
        statusCode: null,
        error: `the subscription's secret was sealed under another WEBHOOK_SECRETS_KEY (key id ${attempt.secretKeyId}; this server's is ${keyId})`,
      };
    }
    const secret = openWebhookSecret(attempt.secretCiphertext, options.secretsKey);
    const body = JSON.stringify(attempt.event);
    const timestamp = Math.floor(Date.now() / 1000);
    return postWebhook(
      {
        url: attempt.url,
        body,
        headers: {
          "content-type": "application/json",
          "user-agent": USER_AGENT,
          "webhook-id": attempt.event.id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signWebhook(secret, attempt.event.id, timestamp, body),
        },
      },
      { timeoutMs: options.timeoutMs, allowPrivateNetworks: options.allowPrivateNetworks },
    );
  }

  async function run(attempt: WebhookAttempt): Promise<void> {
    let outcome: WebhookAttemptOutcome;
    try {
      outcome = await deliver(attempt);
    } catch (error) {
      outcome = { statusCode: null, error: `could not send: ${(error as Error).message}`.slice(0, 500) };
    }
    try {
      const result = await finishWebhookAttempt(db, attempt, outcome, policy);
      logger?.debug(
        {
          webhookId: attempt.subscriptionId,
          eventId: attempt.event.id,
          attempt: attempt.attempt,
          result,
          ...outcome,
        },
        "webhook attempt",
      );
    } catch (error) {
      // Not recorded: the lease runs out and the attempt is made again (at least once).
      logger?.warn(
        {
          err: { message: (error as Error).message },
          webhookId: attempt.subscriptionId,
          eventId: attempt.event.id,
        },
        "could not record a webhook attempt; it will be retried when its lease runs out",
      );
    }
  }

  // A wake-up that came while the loop was claiming: the next pause ends at once.
  let wokenWhileBusy = false;
  function pause(ms: number): Promise<void> {
    if (wokenWhileBusy) {
      wokenWhileBusy = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function loop(): Promise<void> {
    let idlePauseMs = options.pollMs;
    while (!stopping) {
      const free = options.concurrency - inFlight.size;
      let claimed: WebhookAttempt[] = [];
      if (free > 0) {
        try {
          claimed = await claimWebhookAttempts(db, { ...policy, limit: free, leaseMs: options.leaseMs });
        } catch (error) {
          if (stopping) break;
          logger?.warn({ err: { message: (error as Error).message } }, "could not claim webhook deliveries");
        }
      }
      for (const attempt of claimed) {
        const running: Promise<void> = run(attempt).finally(() => {
          inFlight.delete(running);
          wake?.();
        });
        inFlight.add(running);
      }
      // Claimed some and has room: look again at once. Else wait for a slot or the next poll,
      // which is further off after each poll that found nothing.
      idlePauseMs =
        claimed.length === 0
          ? Math.min(idlePauseMs * 2, options.pollMs * WORKER_IDLE_FACTOR)
          : options.pollMs;
      if (claimed.length === 0) await pause(idlePauseMs);
      else if (claimed.length >= free) await pause(options.pollMs);
    }
  }

  const looping = loop();
  return {
    wake() {
      if (wake) wake();
      else wokenWhileBusy = true;
    },
    async stop() {
      stopping = true;
      wake?.();
      await looping;
      await Promise.all([...inFlight]);
    },
  };
}
