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
});

// Node refuses a headers timeout above the request timeout (the headers are part of it).
const checkedEnvSchema = envSchema.refine((env) => env.HEADERS_TIMEOUT_MS <= env.REQUEST_TIMEOUT_MS, {
  message: "HEADERS_TIMEOUT_MS must not be above REQUEST_TIMEOUT_MS",
  path: ["HEADERS_TIMEOUT_MS"],
});

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
    database: databaseOptionsFromEnv(env),
  };
}
