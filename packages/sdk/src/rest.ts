import createClient, { type Client, type Middleware } from "openapi-fetch";
import { errorFromResponse, networkError } from "./errors.ts";
import type { components, paths } from "./generated/openapi.ts";
import { authorizationHeaders, type RegistrarClientOptions, trimBaseUrl } from "./trpc.ts";

/** REST paths and operations, generated from the server's OpenAPI document (snake_case). */
export type RestPaths = paths;
export type RestComponents = components;
/** REST bodies by name: `RestSchemas["Student"]`, `RestSchemas["AssignCoursesRequest"]`. */
export type RestSchemas = components["schemas"];

/** openapi-fetch over the generated paths: `await rest.GET("/students/{id}", { params: { path: { id: "1" } } })`. */
export type RegistrarRestClient = Client<paths, "application/json">;

/**
 * Every answer that is not 2xx is thrown as a `RegistrarError` (its problem body camelCased),
 * and so is a request that never got an answer: a call that resolves has succeeded.
 */
function registrarErrors(baseUrl: string): Middleware {
  return {
    async onResponse({ response }) {
      if (response.ok) return undefined;
      const text = await response.clone().text();
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      throw errorFromResponse(response.status, body, undefined, response.headers.get("content-type"));
    },
    onError({ error }) {
      return networkError(baseUrl, error);
    },
  };
}

export function createRegistrarRestClient(options: RegistrarClientOptions): RegistrarRestClient {
  const baseUrl = trimBaseUrl(options.baseUrl);
  const client = createClient<paths, "application/json">({
    baseUrl,
    headers: authorizationHeaders(options.token),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  client.use(registrarErrors(baseUrl));
  return client;
}
