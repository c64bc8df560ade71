import { errorFromResponse, networkError } from "./errors.ts";
import { createRegistrarRestClient, type RegistrarRestClientOptions, type RestSchemas } from "./rest.ts";
import { authorizationHeaders, trimBaseUrl } from "./trpc.ts";

/** The answer of `POST /oneroster/imports` (snake_case, as REST sends it). */
export type OneRosterImportReport = RestSchemas["OneRosterImportReport"];

export type RegistrarOneRosterClient = {
  /**
   * Sends a OneRoster CSV package (a zip, at most 50 MiB) to `POST /oneroster/imports`;
   * with `dryRun` the server checks and reports and writes nothing. Rejects with a
   * `RegistrarError` (`invalid_oneroster_package`, `forbidden`, …) as every call does.
   */
  importPackage(
    zip: Uint8Array | Blob | ReadableStream<Uint8Array>,
    options?: { dryRun?: boolean },
  ): Promise<OneRosterImportReport>;
  /**
   * `GET /oneroster/export`: the server's data as a OneRoster 1.2 bulk package, as a stream
   * of the zip's bytes (write it to a file as it comes).
   */
  exportPackage(): Promise<ReadableStream<Uint8Array>>;
};

/** The OneRoster file routes, over the REST client's base URL, token, fetch and retries. */
export function createRegistrarOneRosterClient(
  options: RegistrarRestClientOptions,
): RegistrarOneRosterClient {
  const rest = createRegistrarRestClient(options);
  const baseUrl = trimBaseUrl(options.baseUrl);
  const fetchFn: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  return {
    async importPackage(zip, { dryRun = false } = {}) {
      const { data } = await rest.POST("/oneroster/imports", {
        params: { query: { dry_run: dryRun ? "true" : "false" } },
        headers: { "content-type": "application/zip" },
        // the zip as it is: openapi-fetch would otherwise JSON.stringify the body
        body: zip as unknown as string,
        bodySerializer: (body: unknown) => body as string,
        // a stream is sent as it is read, which fetch wants said (RequestInit.duplex)
        ...(zip instanceof ReadableStream ? { duplex: "half" } : {}),
      });
      return data as OneRosterImportReport;
    },
    async exportPackage() {
      let response: Response;
      try {
        response = await fetchFn(`${baseUrl}/oneroster/export`, {
          headers: { ...authorizationHeaders(options.token), accept: "application/zip" },
        });
      } catch (error) {
        throw networkError(baseUrl, error);
      }
      if (!response.ok || !response.body) {
        const text = await response.text();
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        throw errorFromResponse(response.status, body, undefined, response.headers.get("content-type"));
      }
      return response.body;
    },
  };
}
