import { snakeCaseKey } from "@registrar/api";
import { type ProblemCode, problemCodes } from "@registrar/core";
import { z } from "zod";
import type { Route } from "../http/define-route.ts";
import { requestIdPattern } from "../http/request-id.ts";
import { problemComponents, problemContent, problemSchema } from "./problem-schemas.ts";
import { headerRefs, responseHeaderComponents } from "./response-headers.ts";

type JsonObject = { [key: string]: JsonValue };
type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;

const componentRef = (id: string) => `#/components/schemas/${id}`;

/** zod's JSON Schema, made into OpenAPI components: flat refs, snake_case properties. */
function toComponents(registry: z.core.$ZodRegistry<{ id: string }>, io: "input" | "output"): JsonObject {
  const { schemas } = z.toJSONSchema(registry, { uri: componentRef, io, unrepresentable: "any" }) as {
    schemas: Record<string, JsonObject>;
  };
  const components: JsonObject = {};
  for (const [id, schema] of Object.entries(schemas)) {
    if (id === "__shared") {
      const defs = (schema.$defs ?? {}) as JsonObject;
      for (const [sharedId, shared] of Object.entries(defs)) components[sharedId] = shared;
    } else {
      components[id] = schema;
    }
  }
  for (const [id, schema] of Object.entries(components)) components[id] = tidy(schema);
  return components;
}

function tidyObject(value: JsonValue): JsonObject {
  return tidy(value) as JsonObject;
}

const INT32_MAX = 2 ** 31 - 1;

/** `int32` or `int64` for a bounded integer, as its bounds say (zod emits no `format`). */
function integerFormat(schema: JsonObject): string | undefined {
  const { minimum, maximum } = schema;
  if (typeof minimum !== "number" || typeof maximum !== "number") return undefined;
  if (minimum >= -INT32_MAX - 1 && maximum <= INT32_MAX) return "int32";
  return Number.isSafeInteger(minimum) && Number.isSafeInteger(maximum) ? "int64" : undefined;
}

function tidy(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map((item) => tidy(item));
  if (value === null || typeof value !== "object") return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === "$schema" || key === "$id") continue;
    if (key === "pattern" && value.format === "date-time") continue;
    if (key === "$ref" && typeof child === "string") {
      out.$ref = child.replace(/^#\/components\/schemas\/__shared#\/\$defs\//, "#/components/schemas/");
    } else if (key === "properties" && child && typeof child === "object" && !Array.isArray(child)) {
      out.properties = Object.fromEntries(
        Object.entries(child).map(([name, s]) => [snakeCaseKey(name), tidy(s)]),
      );
    } else if (key === "required" && Array.isArray(child)) {
      out.required = child.map((name) => (typeof name === "string" ? snakeCaseKey(name) : name));
    } else {
      out[key] = tidy(child);
    }
  }
  if (out.type === "integer" && out.format === undefined) {
    const format = integerFormat(out);
    if (format) out.format = format;
  }
  return out;
}

function parameters(schema: z.ZodType | undefined, location: "path" | "query"): JsonValue[] {
  if (!(schema instanceof z.ZodObject)) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, property]) => {
    const json = tidyObject(z.toJSONSchema(property, { io: "input", unrepresentable: "any" }) as JsonObject);
    const { description, ...rest } = json;
    return {
      name,
      in: location,
      required: location === "path" || !(property instanceof z.ZodOptional),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

const idempotencyKeyParameter = {
  name: "Idempotency-Key",
  in: "header",
  required: false,
  description:
    "Makes the write safe to retry: the first request with a key runs, and its status, Location and body " +
    "are kept for 24 hours (IDEMPOTENCY_TTL_HOURS), scoped to the API key (anonymous callers share one scope). " +
    "The same key with the same method, path and body answers the kept response with Idempotent-Replayed: true " +
    "and runs nothing; with another request, 422 `idempotency_key_reused`; while the first still runs, 409 " +
    "`idempotency_in_progress` with Retry-After. 4xx answers are kept, 5xx are not. A key is 1 to 255 visible " +
    "ASCII characters (else 400 `validation_failed`); a random UUID per logical operation is a good key.",
  schema: { type: "string", pattern: "^[\\x21-\\x7E]{1,255}$", minLength: 1, maxLength: 255 },
};

/** `*`, or a comma-separated list of entity tags (RFC 9110 §8.8.3). */
const entityTagList = '^(\\*|(W/)?"[^"]*"([ \\t]*,[ \\t]*(W/)?"[^"]*")*)$';

const ifMatchParameter = {
  name: "If-Match",
  in: "header",
  required: false,
  description:
    "Write only if the resource's current ETag is one of these (or `*`: if it exists), compared inside the " +
    "write's transaction: a stale tag answers 412 `precondition_failed` and writes nothing.",
  schema: { type: "string", pattern: entityTagList, maxLength: 1024 },
};

const ifNoneMatchParameter = {
  name: "If-None-Match",
  in: "header",
  required: false,
  description: "Answer 304 Not Modified, without a body, when the current ETag is one of these (or `*`).",
  schema: { type: "string", pattern: entityTagList, maxLength: 1024 },
};

export const requestIdParameter = {
  name: "X-Request-Id",
  in: "header",
  required: false,
  description:
    "An id for this request, for the logs and the problem's `instance`; one that does not match the " +
    "pattern is replaced by a new UUID. Echoed in the X-Request-Id response header.",
  schema: { type: "string", pattern: requestIdPattern.source, maxLength: 64, example: "checkout-7f3a9c21" },
};

/** Headers on every answer of every operation; the security layer adds its own. */
const everyAnswer = headerRefs(["X-Request-Id"]);

const internalError = {
  description: "Problem: `internal_error` (a bug; logged with the request id)",
  headers: everyAnswer,
  content: problemContent(["internal_error"], 500),
};
const serviceUnavailable = {
  description: "Problem: `service_unavailable`: the database cannot be reached or did not answer in time",
  headers: { ...everyAnswer, ...headerRefs(["Retry-After"]) },
  content: problemContent(["service_unavailable"], 503),
};

export type OpenApiInfo = {
  title: string;
  version: string;
  description: string;
  license: { name: string; identifier: string };
};
export type OpenApiTag = { name: string; description: string };

/** OpenAPI 3.1 for the REST routes, generated from the same zod schemas that validate them. */
export function buildOpenApiDocument(routes: Route[], info: OpenApiInfo, tags: OpenApiTag[]): JsonObject {
  const inputs = z.registry<{ id: string }>();
  const outputs = z.registry<{ id: string }>();
  outputs.add(problemSchema, { id: "Problem" });
  const answered = routes.flatMap((route) =>
    routeProblems(route).map(({ code, status }) => [code, status] as const),
  );
  for (const [id, schema] of problemComponents(answered)) outputs.add(schema, { id });
  const namedId = (schema: z.ZodType, fallback: string) => {
    const meta = z.globalRegistry.get(schema) as { id?: string } | undefined;
    return meta?.id ?? fallback;
  };
  for (const route of routes) {
    if (route.body) inputs.add(route.body, { id: `${capitalize(route.operationId)}Request` });
    for (const [status, response] of Object.entries(route.responses)) {
      if (!response?.schema || outputs.has(response.schema)) continue;
      outputs.add(response.schema, {
        id: namedId(
          response.schema,
          `${capitalize(route.operationId)}Response${status === "200" ? "" : status}`,
        ),
      });
    }
  }
  const schemas = { ...toComponents(inputs, "input"), ...toComponents(outputs, "output") };
  const idOf = (registry: typeof inputs, schema: z.ZodType) => registry.get(schema)?.id ?? "";

  const paths: JsonObject = {};
  for (const route of routes) {
    const item = (paths[route.path] ?? {}) as JsonObject;
    paths[route.path] = item;
    const responses: JsonObject = {};
    const writes = route.method !== "get";
    for (const [status, response] of Object.entries(route.responses)) {
      if (!response) continue;
      const tagged = route.etag && !(status === "204" && route.etag.answerIsCurrent);
      responses[status] = {
        description: response.description,
        headers: {
          ...everyAnswer,
          ...headerRefs(response.headers ?? []),
          ...headerRefs(tagged ? ["ETag"] : []),
          ...headerRefs(writes ? ["Idempotent-Replayed"] : []),
        },
        ...(response.schema
          ? {
              content: {
                "application/json": { schema: { $ref: componentRef(idOf(outputs, response.schema)) } },
              },
            }
          : {}),
      };
    }
    const byStatus = new Map<number, ProblemCode[]>();
    for (const { code, status } of routeProblems(route)) {
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    if (route.etag && !writes) {
      responses["304"] = {
        description: "Not Modified: If-None-Match matched the current ETag; no body",
        headers: { ...everyAnswer, ...headerRefs(["ETag"]) },
      };
    }
    for (const [status, codes] of [...byStatus.entries()].sort(([a], [b]) => a - b)) {
      if (codes.length === 0) continue;
      responses[String(status)] = {
        description: `Problem: ${codes.map((code) => `\`${code}\``).join(", ")}`,
        headers: {
          ...everyAnswer,
          ...headerRefs(codes.includes("idempotency_in_progress") ? ["Retry-After"] : []),
        },
        content: problemContent(codes, status),
      };
    }
    responses["500"] = internalError;
    if (route.usesDatabase !== false) responses["503"] = serviceUnavailable;
    item[route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      description: route.description,
      tags: [route.tag],
      parameters: [
        ...parameters(route.params, "path"),
        ...parameters(route.query, "query"),
        ...(writes ? [idempotencyKeyParameter] : []),
        ...(route.etag ? [writes ? ifMatchParameter : ifNoneMatchParameter] : []),
        requestIdParameter,
      ],
      ...(route.rawBody
        ? {
            requestBody: {
              required: true,
              description: route.rawBody.description,
              content: {
                [route.rawBody.mediaType]: {
                  schema: {
                    type: "string",
                    contentMediaType: route.rawBody.mediaType,
                    maxLength: route.rawBody.maxBytes,
                  },
                },
              },
            },
          }
        : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: { "application/json": { schema: { $ref: componentRef(idOf(inputs, route.body)) } } },
            },
          }
        : {}),
      responses,
    };
  }
  paths["/openapi.json"] = {
    get: {
      operationId: "getOpenApiDocument",
      summary: "This document",
      description:
        "The OpenAPI 3.1 document of the REST API, generated from the zod schemas that validate it.",
      tags: ["Meta"],
      parameters: [requestIdParameter],
      responses: {
        "200": {
          description: "OpenAPI 3.1",
          headers: everyAnswer,
          content: { "application/json": { schema: { type: "object" } } },
        },
        "500": internalError,
      },
    },
  };
  paths["/docs"] = {
    get: {
      operationId: "getApiReference",
      summary: "Interactive API reference (HTML)",
      description:
        "Swagger UI over this document, served from this server (no CDN); its assets are under `/docs/`.",
      tags: ["Meta"],
      parameters: [requestIdParameter],
      responses: {
        "200": { description: "HTML page", headers: everyAnswer, content: { "text/html": {} } },
        "500": internalError,
      },
    },
  };
  return {
    openapi: "3.1.0",
    info,
    // No `jsonSchemaDialect`: the default, OpenAPI 3.1's own dialect (JSON Schema 2020-12 plus
    // OpenAPI's keywords, such as the `example` our schemas carry), is the right one, and the
    // only one Swagger UI supports (another value puts a red warning on /docs).
    servers: [
      {
        url: "/",
        // relative: whichever server serves this document, local, staging or production
        description: "This server (local, staging or production alike)",
        "x-internal": false,
      },
    ],
    tags: [...tags, { name: "Meta", description: "This document and its interactive reference." }],
    paths,
    components: { schemas, headers: { ...responseHeaderComponents } },
  };
}

/** Each problem a route answers, with the status it answers it with. */
function routeProblems(route: Route): Array<{ code: ProblemCode; status: number }> {
  const writes = route.method !== "get";
  const conditional: ProblemCode[] = [
    ...(writes ? (["idempotency_in_progress", "idempotency_key_reused"] as const) : []),
    ...(writes && route.etag ? (["precondition_failed"] as const) : []),
  ];
  return [...inputProblems(route), ...route.problems, ...conditional].map((problem) =>
    typeof problem === "string" ? { code: problem, status: problemCodes[problem].status } : problem,
  );
}

/** What any route answers when its path, query or body does not parse. */
function inputProblems(route: Route): ProblemCode[] {
  // A write's Idempotency-Key is checked too.
  const parsed: ProblemCode[] =
    route.params || route.query || route.body || route.method !== "get" ? ["validation_failed"] : [];
  if (route.rawBody) return [...parsed, "unsupported_media_type", "payload_too_large"];
  return route.body ? [...parsed, "invalid_json", "unsupported_media_type", "payload_too_large"] : parsed;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
