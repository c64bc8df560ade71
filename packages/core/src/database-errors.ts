/**
 * The errors a driver threw, outermost first: objection wraps them (`nativeError`), knex and
 * pg chain them (`cause`). Every database-error check walks the same chain.
 */
function* errorChain(error: unknown): Generator<Record<string, unknown>> {
  let current = error;
  for (let depth = 0; depth < 5 && current !== null && typeof current === "object"; depth++) {
    const candidate = current as Record<string, unknown>;
    yield candidate;
    current = candidate.nativeError ?? candidate.cause;
  }
}

/** True when `error` is PostgreSQL's unique_violation (23505) on `constraint`. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  for (const candidate of errorChain(error)) {
    if (candidate.code === "23505" && candidate.constraint === constraint) return true;
  }
  return false;
}

/** True when `error` is PostgreSQL's check_violation (23514) on `constraint`. */
export function isCheckViolation(error: unknown, constraint: string): boolean {
  for (const candidate of errorChain(error)) {
    if (candidate.code === "23514" && candidate.constraint === constraint) return true;
  }
  return false;
}

/** True when `error` is a foreign_key_violation (23503). */
export function isForeignKeyViolation(error: unknown): boolean {
  for (const candidate of errorChain(error)) {
    if (candidate.code === "23503") return true;
  }
  return false;
}

const unavailableCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EPIPE",
  "57P01", // admin_shutdown (pg_terminate_backend)
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now
  "57014", // query_canceled (statement_timeout)
  "25P03", // idle_in_transaction_session_timeout: the session was ended under a stalled transaction
  "53300", // too_many_connections
]);

/**
 * What pg and knex say when the connection is gone or timed out, rather than a code:
 * pg's connect timeout (`timeout expired`) and client-side `query_timeout`, a socket
 * closed under a query, knex's word for a connection that ended while pooled.
 */
const unavailableMessages =
  /Connection terminated|connection timeout|Client has encountered a connection error|Client was closed and is not queryable|timeout exceeded when trying to connect|\btimeout expired\b|Query read timeout|Connection ended unexpectedly/i;

/**
 * True when the database could not be reached or did not answer in time: the request
 * may succeed when retried, so it is a 503, not a 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const { code, name, message } of errorChain(error)) {
    if (typeof code === "string" && (unavailableCodes.has(code) || code.startsWith("08"))) return true;
    if (name === "KnexTimeoutError") return true;
    if (typeof message === "string" && unavailableMessages.test(message)) return true;
  }
  return false;
}
