import createClient, { type Client, type Middleware } from "openapi-fetch";
import { errorFromResponse, networkError, notJsonAnswer } from "./errors.ts";
import type { components, paths } from "./generated/openapi.ts";
import { type RetryPolicy, retryingFetch } from "./retry.ts";
import { authorizationHeaders, type RegistrarClientOptions, trimBaseUrl } from "./trpc.ts";

/** REST paths and operations, generated from the server's OpenAPI document (snake_case). */
export type RestPaths = paths;
export type RestComponents = components;
/** REST bodies by name: `RestSchemas["Student"]`, `RestSchemas["AssignCoursesRequest"]`. */
export type RestSchemas = components["schemas"];

/** openapi-fetch over the generated paths: `await rest.GET("/students/{id}", { params: { path: { id: "1" } } })`. */
export type RegistrarRestClient = Client<paths, "application/json">;

/**
 * `Retry-After` in seconds: REST carries the problem's `retryAfter` in that header (delay
 * seconds, or an HTTP date), tRPC in the problem itself.
 */
function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** A REST problem body with `Retry-After` put back in, so it reads as tRPC's problem does. */
function withRetryAfter(body: unknown, header: string | null): unknown {
  const retryAfter = retryAfterSeconds(header);
  if (retryAfter === undefined || typeof body !== "object" || body === null || Array.isArray(body))
    return body;
  return "retry_after" in body ? body : { ...body, retry_after: retryAfter };
}

/**
 * Every answer that is not 2xx is thrown as a `RegistrarError` (its problem body camelCased),
 * and so is a 2xx answer that is not JSON, and a request that never got an answer: a call
 * that resolves has succeeded.
 */
function registrarErrors(baseUrl: string): Middleware {
  return {
    async onResponse({ request, response }) {
      if (response.ok) {
        const notJson = request.method === "HEAD" ? undefined : notJsonAnswer(response);
        if (notJson) throw notJson;
        return undefined;
      }
      const text = await response.clone().text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const problem = withRetryAfter(body, response.headers.get("retry-after"));
      throw errorFromResponse(response.status, problem, undefined, response.headers.get("content-type"));
    },
    onError({ error }) {
      return networkError(baseUrl, error);
    },
  };
}

export type RegistrarRestClientOptions = RegistrarClientOptions & {
  /**
   * Retries of network errors and 503s, with backoff and jitter; off when absent. Reads,
   * PUT and DELETE are retried, and writes carry an `Idempotency-Key` (one per call, the
   * same on each attempt); POST and PATCH without a key of their own only with
   * `unkeyedWrites`. Per call, `params.header["Idempotency-Key"]` and `["If-Match"]` set
   * the key and the ETag a write must match.
   */
  retry?: RetryPolicy | undefined;
};

export function createRegistrarRestClient(options: RegistrarRestClientOptions): RegistrarRestClient {
  const baseUrl = trimBaseUrl(options.baseUrl);
  const baseFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const fetchWith = options.retry ? retryingFetch(baseFetch, options.retry) : options.fetch;
  const client = createClient<paths, "application/json">({
    baseUrl,
    headers: authorizationHeaders(options.token),
    ...(fetchWith ? { fetch: fetchWith } : {}),
  });
  client.use(registrarErrors(baseUrl));
  return client;
}
