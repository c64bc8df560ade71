import { fileURLToPath } from "node:url";
import { TRPC_MAX_BATCH_SIZE } from "@registrar/contract";
import { type DatabaseOptions, databaseOptionsFromEnv } from "@registrar/db";
import { z } from "zod";

/** Where `pnpm build` puts the web UI. */
const defaultWebDistDir = fileURLToPath(new URL("../../web/dist", import.meta.url));

const envSchema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  AUTH: z.enum(["off", "required"]).optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(1200),
  REDIS_URL: z
    .string()
    .url()
    .optional()
    .or(z.literal("").transform(() => undefined)),
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((value) =>
      (value ?? "")
        .split(",")
        .map((origin) => origin.trim().replace(/\/+$/, ""))
        .filter(Boolean),
    )
    // A browser's Origin header is scheme://host[:port], matched exactly: anything else
    // (a path, a wildcard) would silently never match, so it is refused at start instead.
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^https?:\/\/[^/\s*]+$/,
            "CORS_ORIGINS lists origins like https://school.example.org (scheme, host, optional port)",
          ),
      ),
    ),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  // Node's own defaults (300 s for a request, 60 s for its headers) let a stalled or
  // slowloris client hold a connection for minutes.
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  TRPC_MAX_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(TRPC_MAX_BATCH_SIZE),
  WEB_DIST_DIR: z.string().optional(),
  // How long an answer kept for an Idempotency-Key replays (contract v1.1: 24 h).
  IDEMPOTENCY_TTL_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 365)
    .default(24),
  // The one school of the OneRoster export and view (its orgs record; every record's school).
  SCHOOL_NAME: z.string().trim().min(1).max(255).default("Registrar School"),
  SCHOOL_SOURCED_ID: z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, "SCHOOL_SOURCED_ID is 1..255 visible ASCII characters")
    .default("registrar-school"),
  // The change feed (contract v1.1, "Events and webhooks"): how long events are kept, how
  // often each replica's relay gives committed events their feed ids, how often old ones are swept.
  EVENTS_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  EVENTS_RELAY_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(200),
  EVENTS_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).max(86_400_000).default(600_000),
  // Webhooks (contract v1.1, "Events and webhooks"; docs/api.md "Webhooks").
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.enum(["true", "false"]).default("false"),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(5000),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
  // How long a claimed delivery stays a worker's: a worker that dies mid-delivery leaves it
  // to another after this. Default: the timeout plus 15 s.
  WEBHOOK_LEASE_MS: z.coerce.number().int().min(200).max(3_600_000).optional(),
  // How often an idle worker looks for work.
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(60_000).default(100),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(16),
  // base64 of 32 bytes: seals the signing secrets (AES-256-GCM). Unset: a key file (webhooks/secrets-key.ts).
  WEBHOOK_SECRETS_KEY: z
    .string()
    .trim()
    .optional()
    .or(z.literal("").transform(() => undefined))
    .refine((key) => key === undefined || Buffer.from(key, "base64").length === 32, {
      message: "WEBHOOK_SECRETS_KEY must be the base64 of 32 bytes (openssl rand -base64 32)",
    }),
  WEBHOOK_SECRETS_KEY_FILE: z.string().trim().min(1).optional(),
});

// Node refuses a headers timeout above the request timeout (the headers are part of it).
const checkedEnvSchema = envSchema
  .refine((env) => env.HEADERS_TIMEOUT_MS <= env.REQUEST_TIMEOUT_MS, {
    message: "HEADERS_TIMEOUT_MS must not be above REQUEST_TIMEOUT_MS",
    path: ["HEADERS_TIMEOUT_MS"],
  })
  // A lease that could run out during an attempt would let a second worker deliver the same event at once.
  .refine(
    (env) => env.WEBHOOK_LEASE_MS === undefined || env.WEBHOOK_LEASE_MS > env.WEBHOOK_TIMEOUT_MS + 100,
    {
      message: "WEBHOOK_LEASE_MS must be above WEBHOOK_TIMEOUT_MS (by more than 100 ms)",
      path: ["WEBHOOK_LEASE_MS"],
    },
  );

export type WebhookConfig = {
  allowPrivateNetworks: boolean;
  timeoutMs: number;
  retryBaseMs: number;
  maxAttempts: number;
  leaseMs: number;
  pollMs: number;
  concurrency: number;
  /** WEBHOOK_SECRETS_KEY decoded; undefined: read or create the key file */
  secretsKey: Buffer | undefined;
  /** where the key is kept when WEBHOOK_SECRETS_KEY is unset (default: beside the data directory) */
  secretsKeyFile: string | undefined;
};

export type ServerConfig = {
  port: number;
  host: string;
  auth: "off" | "required";
  rateLimitPerMinute: number;
  redisUrl: string | undefined;
  corsOrigins: string[];
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  shutdownTimeoutMs: number;
  /** Whole request (headers and body) must arrive within this, else 408 and the connection closes. */
  requestTimeoutMs: number;
  /** The request line and headers must arrive within this. */
  headersTimeoutMs: number;
  trpcMaxBatchSize: number;
  webDistDir: string | undefined;
  idempotencyTtlHours: number;
  /** The school of the OneRoster export and view. */
  school: { name: string; sourcedId: string };
  events: { retentionDays: number; relayIntervalMs: number; sweepIntervalMs: number };
  webhooks: WebhookConfig;
  database: DatabaseOptions;
};

/** Reads and validates the environment once, at start; nothing else reads process.env. */
export function loadConfig(env: Record<string, string | undefined>): ServerConfig {
  const parsed = checkedEnvSchema.parse(env);
  return {
    port: parsed.PORT,
    host: parsed.HOST,
    auth: parsed.AUTH ?? (parsed.NODE_ENV === "production" ? "required" : "off"),
    rateLimitPerMinute: parsed.RATE_LIMIT_PER_MINUTE,
    redisUrl: parsed.REDIS_URL,
    corsOrigins: parsed.CORS_ORIGINS,
    logLevel: parsed.LOG_LEVEL,
    shutdownTimeoutMs: parsed.SHUTDOWN_TIMEOUT_MS,
    requestTimeoutMs: parsed.REQUEST_TIMEOUT_MS,
    headersTimeoutMs: parsed.HEADERS_TIMEOUT_MS,
    trpcMaxBatchSize: parsed.TRPC_MAX_BATCH_SIZE,
    webDistDir: parsed.WEB_DIST_DIR ?? defaultWebDistDir,
    idempotencyTtlHours: parsed.IDEMPOTENCY_TTL_HOURS,
    school: { name: parsed.SCHOOL_NAME, sourcedId: parsed.SCHOOL_SOURCED_ID },
    events: {
      retentionDays: parsed.EVENTS_RETENTION_DAYS,
      relayIntervalMs: parsed.EVENTS_RELAY_INTERVAL_MS,
      sweepIntervalMs: parsed.EVENTS_SWEEP_INTERVAL_MS,
    },
    webhooks: {
      allowPrivateNetworks: parsed.WEBHOOK_ALLOW_PRIVATE_NETWORKS === "true",
      timeoutMs: parsed.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: parsed.WEBHOOK_RETRY_BASE_MS,
      maxAttempts: parsed.WEBHOOK_MAX_ATTEMPTS,
      leaseMs: parsed.WEBHOOK_LEASE_MS ?? parsed.WEBHOOK_TIMEOUT_MS + 15_000,
      pollMs: parsed.WEBHOOK_POLL_MS,
      concurrency: parsed.WEBHOOK_CONCURRENCY,
      secretsKey: parsed.WEBHOOK_SECRETS_KEY ? Buffer.from(parsed.WEBHOOK_SECRETS_KEY, "base64") : undefined,
      secretsKeyFile: parsed.WEBHOOK_SECRETS_KEY_FILE,
    },
    database: databaseOptionsFromEnv(env),
  };
}
