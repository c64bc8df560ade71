import { ID_PATTERN } from "@registrar/contract";
import { requestIdPattern } from "../http/request-id.ts";
import { RATE_WINDOW_MS } from "../security/rate-limit.ts";

const windowSeconds = RATE_WINDOW_MS / 1000;
const int32 = (minimum: number, maximum: number) => ({ type: "integer", format: "int32", minimum, maximum });

/**
 * The response headers the server sends, as OpenAPI header components (`#/components/headers/<name>`),
 * each with the conditions under which it is present. Operations refer to them by name.
 */
export const responseHeaderComponents = {
  "X-Request-Id": {
    description:
      "The request's id: the X-Request-Id the client sent when it matched the pattern, else a new UUID. " +
      "Also in a problem's `instance` and on every log line about the request.",
    schema: { type: "string", pattern: requestIdPattern.source, maxLength: 64 },
  },
  Location: {
    description: "The path of the new resource.",
    schema: {
      type: "string",
      format: "uri-reference",
      pattern: `^/(students|courses)/${ID_PATTERN.source.slice(1)}`,
      maxLength: 20,
      example: "/students/1",
    },
  },
  "Retry-After": {
    description: `Seconds to wait before trying again: until the rate-limit window resets (429, 1..${windowSeconds}), or 5 (503).`,
    schema: int32(1, windowSeconds),
  },
  ETag: {
    description:
      "A strong entity tag of the resource (of `GET /students/{id}/courses`: of the student's enrollment set, " +
      "which changes with every enrollment change of that student). Send it back in If-None-Match (a read: " +
      "304 when unchanged) or If-Match (a write: 412 `precondition_failed` when stale, nothing written). " +
      "Writes under `/students/{id}/courses` send it when they were sent with If-Match or Idempotency-Key.",
    schema: { type: "string", pattern: '^"[A-Za-z0-9_-]{27}"$', maxLength: 29 },
  },
  "Idempotent-Replayed": {
    description:
      "Present (`true`) when this answer is the kept answer of an earlier request with the same Idempotency-Key: " +
      "nothing ran again.",
    schema: { type: "string", const: "true" },
  },
  "RateLimit-Limit": {
    description:
      "Requests a minute this client (its API key, or its address without one) may make. " +
      "Sent by every rate-limited operation while rate limits are on (`RATE_LIMIT_PER_MINUTE`, default 1200).",
    schema: { type: "integer", format: "int64", minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
  },
  "RateLimit-Remaining": {
    description: "Requests left in the current window. Sent with RateLimit-Limit.",
    schema: { type: "integer", format: "int64", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
  },
  "RateLimit-Reset": {
    description: "Seconds until the current window ends. Sent with RateLimit-Limit.",
    schema: int32(1, windowSeconds),
  },
  "RateLimit-Policy": {
    description: `The limit and its window in seconds (draft-ietf-httpapi-ratelimit-headers), e.g. \`1200;w=${windowSeconds}\`. Sent with RateLimit-Limit.`,
    schema: { type: "string", pattern: `^[1-9][0-9]{0,15};w=${windowSeconds}$`, maxLength: 21 },
  },
  "Access-Control-Allow-Origin": {
    description:
      "The request's Origin, when `CORS_ORIGINS` lists it (exactly); absent otherwise, and always when " +
      "`CORS_ORIGINS` is empty (the default). An origin is scheme, host and optional port: a DNS name is " +
      "at most 253 characters.",
    schema: { type: "string", format: "uri", pattern: "^https?://[^/\\s*]+$", maxLength: 267 },
  },
  "WWW-Authenticate": {
    description: "The scheme to authenticate with.",
    schema: { type: "string", const: 'Bearer realm="registrar"' },
  },
} as const;

export type ResponseHeader = keyof typeof responseHeaderComponents;

/** `{ name: { $ref } }` for each header, for a response's `headers`. */
export function headerRefs(names: ResponseHeader[]): Record<string, { $ref: string }> {
  return Object.fromEntries(names.map((name) => [name, { $ref: `#/components/headers/${name}` }]));
}
