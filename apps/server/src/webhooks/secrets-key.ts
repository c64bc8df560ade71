import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { type DatabaseOptions, defaultPgliteDir } from "@registrar/db";
import type { Logger } from "pino";
import type { WebhookConfig } from "../config.ts";

export const SECRETS_KEY_FILE_NAME = "webhook-secrets.key";

/**
 * Where the webhook secrets key is kept when WEBHOOK_SECRETS_KEY is unset: beside the
 * embedded data directory (`.data/webhook-secrets.key` by default), or for PostgreSQL in the
 * same state folder at the repository root. Never in the database: the point of the key is
 * that a reader of the database alone cannot sign. Undefined for an in-memory database,
 * whose subscriptions end with the process anyway.
 */
export function defaultSecretsKeyFile(database: DatabaseOptions): string | undefined {
  if (database.kind === "pglite") {
    if (!("dir" in database) || database.dir === "memory://") return undefined;
    return join(dirname(database.dir), SECRETS_KEY_FILE_NAME);
  }
  return join(dirname(defaultPgliteDir), SECRETS_KEY_FILE_NAME);
}

function decodeKey(text: string, origin: string): Buffer {
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== 32) throw new Error(`${origin} does not hold the base64 of 32 bytes`);
  return key;
}

/**
 * The 32-byte key that seals webhook signing secrets: WEBHOOK_SECRETS_KEY when set; else the
 * key file, created on first start (mode 0600, exclusively, so two processes starting at once
 * agree on one key). Replicas must share one key: a subscription sealed under another cannot
 * be signed, so the log line says to pass it to every replica in WEBHOOK_SECRETS_KEY.
 */
export function loadWebhookSecretsKey(
  config: WebhookConfig,
  database: DatabaseOptions,
  logger: Logger,
): Buffer {
  if (config.secretsKey) return config.secretsKey;
  const file = config.secretsKeyFile ?? defaultSecretsKeyFile(database);
  if (!file) {
    logger.info(
      "WEBHOOK_SECRETS_KEY is unset and the database is in memory: webhook secrets use a key for this run only",
    );
    return randomBytes(32);
  }
  try {
    return decodeKey(readFileSync(file, "utf8"), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  try {
    writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    // another process created it first: use that one
    if ((error as NodeJS.ErrnoException).code === "EEXIST")
      return decodeKey(readFileSync(file, "utf8"), file);
    throw error;
  }
  logger.warn(
    { file },
    "created the webhook secrets key file; replicas must share this key: pass it to each in WEBHOOK_SECRETS_KEY",
  );
  return key;
}
