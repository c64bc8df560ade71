/** True when `error` is PostgreSQL's unique_violation (23505) on `constraint`. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  for (
    let current: unknown = error, depth = 0;
    current && typeof current === "object" && depth < 4;
    depth++
  ) {
    const candidate = current as { code?: unknown; constraint?: unknown; nativeError?: unknown };
    if (candidate.code === "23505" && candidate.constraint === constraint) return true;
    current = candidate.nativeError;
  }
  return false;
}

/** True when `error` is a foreign_key_violation (23503). */
export function isForeignKeyViolation(error: unknown): boolean {
  for (
    let current: unknown = error, depth = 0;
    current && typeof current === "object" && depth < 4;
    depth++
  ) {
    const candidate = current as { code?: unknown; nativeError?: unknown };
    if (candidate.code === "23503") return true;
    current = candidate.nativeError;
  }
  return false;
}
