import type { DomainError, Principal } from "@registrar/core";
import type { Database } from "@registrar/db";

/** What every procedure receives; the server builds one per request. */
export type Context = {
  db: Database;
  /** The request's id, for the problem's `instance`. */
  requestId?: string | undefined;
  /**
   * Present when auth is required: the verified caller, whose role every procedure checks.
   * Absent means auth is off and every procedure is open (the server refuses requests
   * without a valid key before a procedure runs).
   */
  auth?: { principal: Principal } | undefined;
  /** Set when the request was refused before any procedure ran (401, 429): every procedure throws it. */
  refusal?: DomainError | undefined;
};
