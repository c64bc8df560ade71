import { snakeCased } from "@registrar/api";
import { type Problem, problemInstance } from "@registrar/core";

/** Extras that travel as headers, not as members of the body. */
const headerExtras = { allow: "Allow", retryAfter: "Retry-After" } as const;

/** An RFC 9457 problem as a REST response, snake_case members. */
export function problemResponse(problem: Problem, requestId: string | undefined): Response {
  const headers = new Headers({ "content-type": "application/problem+json" });
  const body: Record<string, unknown> = { ...problem };
  for (const [extra, header] of Object.entries(headerExtras)) {
    if (body[extra] !== undefined) {
      headers.set(header, String(body[extra]));
      delete body[extra];
    }
  }
  // The rest of an oversized body is never read: the connection cannot carry another request.
  if (problem.status === 413) headers.set("Connection", "close");
  if (requestId) body.instance = problemInstance(requestId);
  return new Response(JSON.stringify(snakeCased(body)), { status: problem.status, headers });
}
