import { isPublicPath } from "./middleware.ts";

type Json = { [key: string]: unknown };
const isObject = (value: unknown): value is Json => typeof value === "object" && value !== null;

const problemContent = {
  "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } },
};

/**
 * Declares the bearer API-key scheme on an OpenAPI document: required by default, lifted
 * (`security: []`) on the public paths, and the 401/403/429 answers on every other operation.
 * Returns a new document; the input is not changed.
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
    const open = isPublicPath(path.replace(/\{[^}]+\}/g, "x"));
    for (const operation of Object.values(item)) {
      if (!isObject(operation)) continue;
      if (open) {
        operation.security = [];
        continue;
      }
      const responses = isObject(operation.responses) ? operation.responses : {};
      responses["401"] ??= { description: "Problem: `unauthorized`", content: problemContent };
      responses["403"] ??= { description: "Problem: `forbidden`", content: problemContent };
      responses["429"] ??= {
        description: "Problem: `rate_limited` (with Retry-After and RateLimit-* headers)",
        content: problemContent,
      };
      operation.responses = Object.fromEntries(
        Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)),
      );
    }
  }
  return copy as T;
}
