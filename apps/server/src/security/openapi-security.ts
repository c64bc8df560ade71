import { headerRefs } from "../openapi/response-headers.ts";
import { isPublicPath } from "./authentication.ts";
import { isRateLimitedPath } from "./rate-limit.ts";

type Json = { [key: string]: unknown };
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null;

const problemContent = {
  "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } },
};
const rateLimitHeaders = headerRefs([
  "RateLimit-Limit",
  "RateLimit-Remaining",
  "RateLimit-Reset",
  "RateLimit-Policy",
]);
const corsHeaders = headerRefs(["Access-Control-Allow-Origin"]);

/**
 * Declares what the security layers add to an OpenAPI document: the bearer API-key scheme,
 * required by default and lifted (`security: [{}]`, anonymous allowed) on the public paths,
 * 401/403 on every other operation; the 429 and the RateLimit-* headers of every operation
 * that counts against the rate limit (all but health); and Access-Control-Allow-Origin on
 * every answer (CORS). Returns a new document; the input is not changed.
 */
export function withSecurityScheme<T extends Json>(document: T): T {
  const copy = structuredClone(document) as Json;
  const components = isObject(copy.components) ? copy.components : {};
  components.securitySchemes = {
    apiKey: {
      type: "http",
      scheme: "bearer",
      bearerFormat: "rk_<id>_<secret>",
      description:
        "An API key from `pnpm keys create --role admin|registrar|reader|student`, sent as " +
        "`Authorization: Bearer <key>`. Needed when the server runs with `AUTH=required` " +
        "(the default in production). Roles: admin (everything, keys included), registrar " +
        "(manage students, courses, enrollments), reader (read only), student (its own student " +
        "and courses; other students answer 404).",
    },
  };
  copy.components = components;
  copy.security = [{ apiKey: [] }];
  const paths = isObject(copy.paths) ? copy.paths : {};
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    const concrete = path.replace(/\{[^}]+\}/g, "x");
    const open = isPublicPath(concrete);
    const limited = isRateLimitedPath(concrete);
    for (const operation of Object.values(item)) {
      if (!isObject(operation)) continue;
      const responses = isObject(operation.responses) ? operation.responses : {};
      if (open) {
        operation.security = [{}];
      } else {
        responses["401"] ??= {
          description: "Problem: `unauthorized`: no API key, or one that is not valid (with `AUTH=required`)",
          headers: headerRefs(["X-Request-Id", "WWW-Authenticate"]),
          content: problemContent,
        };
        responses["403"] ??= {
          description: "Problem: `forbidden`: the key's role may not do this",
          headers: headerRefs(["X-Request-Id"]),
          content: problemContent,
        };
      }
      if (limited) {
        responses["429"] ??= {
          description: "Problem: `rate_limited`: over this client's requests a minute",
          headers: headerRefs(["X-Request-Id", "Retry-After"]),
          content: problemContent,
        };
      }
      // New response objects: the document may share one between operations (structuredClone
      // keeps that sharing), and only this operation's answers carry its rate-limit headers.
      operation.responses = Object.fromEntries(
        Object.entries(responses)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([status, response]) => {
            if (!isObject(response)) return [status, response];
            const headers = isObject(response.headers) ? response.headers : {};
            return [
              status,
              { ...response, headers: { ...headers, ...(limited ? rateLimitHeaders : {}), ...corsHeaders } },
            ];
          }),
      );
    }
  }
  return copy as T;
}
