import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { DatabaseOptions } from "./database.ts";

/** `./.data/pglite` at the repository root. */
export const defaultPgliteDir = fileURLToPath(new URL("../../../.data/pglite", import.meta.url));

const databaseEnvSchema = z.object({
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must start with postgres:// or postgresql://")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  PGLITE_DIR: z.string().trim().min(1).optional(),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).optional(),
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).optional(),
  /** 0 sends no statement_timeout (behind PgBouncer, set it on the role instead). */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).optional(),
  DATABASE_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).optional(),
  DATABASE_ACQUIRE_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).optional(),
  /** `off` behind a PgBouncer (transaction mode) that does not track prepared statements. */
  DATABASE_PREPARED_STATEMENTS: z.enum(["on", "off"]).optional(),
  /** pnpm sets it to the folder the user ran the command in. */
  INIT_CWD: z.string().optional(),
});

/**
 * Where the data lives, from the environment: PostgreSQL when `DATABASE_URL` is set,
 * else embedded PGlite in `PGLITE_DIR` (relative paths are taken from the folder the
 * command was run in).
 */
export function databaseOptionsFromEnv(env: Record<string, string | undefined>): DatabaseOptions {
  const parsed = databaseEnvSchema.parse(env);
  if (parsed.DATABASE_URL) {
    return {
      kind: "postgres",
      url: parsed.DATABASE_URL,
      ...(parsed.DATABASE_POOL_MAX ? { poolMax: parsed.DATABASE_POOL_MAX } : {}),
      ...(parsed.DATABASE_CONNECT_TIMEOUT_MS !== undefined
        ? { connectTimeoutMs: parsed.DATABASE_CONNECT_TIMEOUT_MS }
        : {}),
      ...(parsed.DATABASE_STATEMENT_TIMEOUT_MS !== undefined
        ? { statementTimeoutMs: parsed.DATABASE_STATEMENT_TIMEOUT_MS }
        : {}),
      ...(parsed.DATABASE_QUERY_TIMEOUT_MS !== undefined
        ? { queryTimeoutMs: parsed.DATABASE_QUERY_TIMEOUT_MS }
        : {}),
      ...(parsed.DATABASE_ACQUIRE_TIMEOUT_MS !== undefined
        ? { acquireTimeoutMs: parsed.DATABASE_ACQUIRE_TIMEOUT_MS }
        : {}),
      ...(parsed.DATABASE_PREPARED_STATEMENTS !== undefined
        ? { preparedStatements: parsed.DATABASE_PREPARED_STATEMENTS === "on" }
        : {}),
    };
  }
  const dir = parsed.PGLITE_DIR ?? defaultPgliteDir;
  if (dir === "memory://" || isAbsolute(dir)) return { kind: "pglite", dir };
  return { kind: "pglite", dir: resolve(parsed.INIT_CWD ?? process.cwd(), dir) };
}

/** The folder the user ran the command in (pnpm runs scripts elsewhere): relative paths start there. */
export function invocationDir(env: Record<string, string | undefined>): string {
  return databaseEnvSchema.shape.INIT_CWD.parse(env.INIT_CWD) ?? process.cwd();
}

/** A one-line description without credentials, for start-up messages. */
export function describeDatabase(options: DatabaseOptions): string {
  if (options.kind === "postgres") {
    const url = new URL(options.url);
    return `PostgreSQL at ${url.hostname}:${url.port || "5432"}${url.pathname}`;
  }
  if ("instance" in options) return "PGlite (in-process instance)";
  return options.dir === "memory://" ? "PGlite in memory" : `PGlite in ${options.dir}`;
}
