/**
 * Runs before each test file (vitest.config.ts, setupFiles). Files share a worker process
 * (isolate: false), so process-wide settings a file changes would reach the files after
 * it: each file starts from what an unconfigured process has instead.
 */
import { randomBytes } from "node:crypto";
import { configureWebhooks } from "./webhooks.ts";

// webhookSettings()'s default: an ephemeral key and the strict network policy
configureWebhooks({ secretsKey: randomBytes(32), allowPrivateNetworks: false });
