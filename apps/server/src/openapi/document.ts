import { type ProblemCode, problemCodes } from "@registrar/core";
import { z } from "zod";
import type { Route } from "../http/define-route.ts";
import { snakeCaseKey } from "../http/snake-case.ts";

const problemSchema = z
  .object({
    type: z.string().meta({ example: "urn:registrar:problem:student_not_found" }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().meta({ description: "What went wrong, for people" }),
    code: z.enum(
      Object.keys(problemCodes) as [keyof typeof problemCodes, ...Array<keyof typeof problemCodes>],
    ),
    instance: z.string().optional().meta({ description: "urn:uuid of the request, as in the logs" }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .meta({ description: "validation_failed: one entry per fault" }),
  })
  .catchall(z.unknown())
  .meta({ id: "Problem", description: "RFC 9457 problem details; extra members depend on `code`." });

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

function tidyObject(value: JsonObject): JsonObject {
  return tidy(value) as JsonObject;
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

export type OpenApiInfo = { title: string; version: string; description: string };

/** OpenAPI 3.1 for the REST routes, generated from the same zod schemas that validate them. */
export function buildOpenApiDocument(routes: Route[], info: OpenApiInfo): JsonObject {
  const inputs = z.registry<{ id: string }>();
  const outputs = z.registry<{ id: string }>();
  outputs.add(problemSchema, { id: "Problem" });
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
    for (const [status, response] of Object.entries(route.responses)) {
      if (!response) continue;
      responses[status] = {
        description: response.description,
        ...(response.headers?.length
          ? { headers: Object.fromEntries(response.headers.map((h) => [h, { schema: { type: "string" } }])) }
          : {}),
        ...(response.schema
          ? {
              content: {
                "application/json": { schema: { $ref: componentRef(idOf(outputs, response.schema)) } },
              },
            }
          : {}),
      };
    }
    const byStatus = new Map<number, string[]>();
    for (const problem of [...inputProblems(route), ...route.problems]) {
      const { code, status } =
        typeof problem === "string" ? { code: problem, status: problemCodes[problem].status } : problem;
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
    for (const [status, codes] of [...byStatus.entries()].sort(([a], [b]) => a - b)) {
      if (codes.length === 0) continue;
      responses[String(status)] = {
        description: `Problem: ${codes.map((code) => `\`${code}\``).join(", ")}`,
        content: { "application/problem+json": { schema: { $ref: componentRef("Problem") } } },
      };
    }
    responses["500"] = {
      description: "Problem: `internal_error`",
      content: { "application/problem+json": { schema: { $ref: componentRef("Problem") } } },
    };
    responses["503"] = {
      description: "Problem: `service_unavailable` (with Retry-After)",
      content: { "application/problem+json": { schema: { $ref: componentRef("Problem") } } },
    };
    item[route.method] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      parameters: [...parameters(route.params, "path"), ...parameters(route.query, "query")],
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
      tags: ["Meta"],
      responses: { "200": { description: "OpenAPI 3.1", content: { "application/json": {} } } },
    },
  };
  paths["/docs"] = {
    get: {
      operationId: "getApiReference",
      summary: "Interactive API reference (HTML)",
      tags: ["Meta"],
      responses: { "200": { description: "HTML page", content: { "text/html": {} } } },
    },
  };
  return {
    openapi: "3.1.0",
    info,
    // No `jsonSchemaDialect`: the default, OpenAPI 3.1's own dialect (JSON Schema 2020-12 plus
    // OpenAPI's keywords, such as the `example` our schemas carry), is the right one, and the
    // only one Swagger UI supports (another value puts a red warning on /docs).
    paths,
    components: { schemas },
  };
}

/** What any route answers when its path, query or body does not parse. */
function inputProblems(route: Route): ProblemCode[] {
  const parsed: ProblemCode[] = route.params || route.query || route.body ? ["validation_failed"] : [];
  return route.body ? [...parsed, "invalid_json", "unsupported_media_type", "payload_too_large"] : parsed;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
