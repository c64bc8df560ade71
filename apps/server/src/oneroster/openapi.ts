import { ACCESS_TOKEN_TTL_SECONDS, ROSTER_READONLY_SCOPE, ROSTER_SCOPES } from "@registrar/core";
import { requestIdParameter } from "../openapi/document.ts";
import { problemContent } from "../openapi/problem-schemas.ts";
import { headerRefs } from "../openapi/response-headers.ts";
import { EXPORT_PATH } from "./export-route.ts";
import { TOKEN_PATH } from "./token-route.ts";

type Json = { [key: string]: unknown };

const everyAnswer = headerRefs(["X-Request-Id"]);
const internalError = {
  description: "Problem: `internal_error`",
  headers: everyAnswer,
  content: problemContent(["internal_error"], 500),
};
const serviceUnavailable = {
  description: "Problem: `service_unavailable`: the database does not answer",
  headers: { ...everyAnswer, ...headerRefs(["Retry-After"]) },
  content: problemContent(["service_unavailable"], 503),
};

const scopeAlternatives = ROSTER_SCOPES.map((scope) => scope.replaceAll(".", "\\.")).join("|");

const oauthErrorSchema = {
  type: "object",
  description: "An OAuth 2 error (RFC 6749 §5.2).",
  required: ["error", "error_description"],
  properties: {
    error: {
      type: "string",
      enum: ["invalid_request", "invalid_client", "unsupported_grant_type", "invalid_scope"],
    },
    error_description: { type: "string", pattern: "^[\\x20-\\x21\\x23-\\x5B\\x5D-\\x7E]*$", maxLength: 200 },
  },
  additionalProperties: false,
};

const noStore = {
  "Cache-Control": {
    description: "`no-store`: a token answer is never cached (RFC 6749 §5.1).",
    schema: { type: "string", const: "no-store" },
  },
};

/**
 * The OneRoster routes of Registrar's own document: the export and the OAuth token
 * endpoint. The rostering view under `/ims/oneroster/rostering/v1p2` is 1EdTech's document
 * (docs/api.md says where), not repeated here. Returns a new document.
 */
export function withOneRosterPaths<T extends Json>(document: T): T {
  const copy = structuredClone(document) as Json;
  const paths = (copy.paths ?? {}) as Json;
  const components = (copy.components ?? {}) as Json;
  const schemas = (components.schemas ?? {}) as Json;
  schemas.OAuthTokenError = oauthErrorSchema;
  schemas.OAuthToken = {
    type: "object",
    required: ["access_token", "token_type", "expires_in", "scope"],
    properties: {
      access_token: { type: "string", pattern: "^ort_[A-Za-z0-9_-]{43}$", maxLength: 47 },
      token_type: { type: "string", const: "Bearer" },
      expires_in: {
        type: "integer",
        format: "int32",
        minimum: 1,
        maximum: 86400,
        example: ACCESS_TOKEN_TTL_SECONDS,
      },
      scope: {
        type: "string",
        description: "The scopes granted, space-separated: those asked for, else the first of these.",
        pattern: `^(${scopeAlternatives})( (${scopeAlternatives}))?$`,
        maxLength: 200,
        example: ROSTER_READONLY_SCOPE,
      },
    },
    additionalProperties: false,
  };
  schemas.OAuthTokenRequest = {
    type: "object",
    required: ["grant_type"],
    properties: {
      grant_type: { type: "string", const: "client_credentials" },
      client_id: { type: "string", pattern: "^rk_[1-9][0-9]{0,9}$", maxLength: 13 },
      client_secret: { type: "string", pattern: "^[A-Za-z0-9_-]{43}$", maxLength: 43 },
      // RFC 6749 §3.3: space-separated scope tokens
      scope: {
        type: "string",
        pattern: "^[\\x21\\x23-\\x5B\\x5D-\\x7E]+( [\\x21\\x23-\\x5B\\x5D-\\x7E]+)*$",
        maxLength: 200,
      },
    },
    additionalProperties: false,
  };
  components.schemas = schemas;
  copy.components = components;
  paths[EXPORT_PATH] = {
    get: {
      operationId: "exportOneRoster",
      summary: "Export a OneRoster 1.2 CSV package",
      description:
        "A OneRoster 1.2 bulk package (zip): manifest.csv, academicSessions, classes, courses, enrollments, users, " +
        "roles and orgs (the one school of `SCHOOL_NAME`/`SCHOOL_SOURCED_ID`), streamed. Records without a " +
        "sourcedId get a stable one derived from their id (`registrar-student-42`). Reader, registrar or admin.",
      tags: ["OneRoster"],
      parameters: [requestIdParameter],
      responses: {
        "200": {
          description: "The package",
          headers: everyAnswer,
          content: {
            "application/zip": { schema: { type: "string", format: "binary", maxLength: 2147483647 } },
          },
        },
        "500": internalError,
        "503": serviceUnavailable,
      },
    },
  };
  paths[TOKEN_PATH] = {
    post: {
      operationId: "issueOneRosterToken",
      summary: "OAuth 2 client credentials for the OneRoster view",
      description:
        "An access token for `/ims/oneroster/rostering/v1p2` (RFC 6749 §4.4): `client_id` is an API key's " +
        "`rk_<id>`, `client_secret` its secret, in the form body or as HTTP Basic. The token acts as its key " +
        "(a student key's is refused by the view) and ends when the key is revoked.",
      tags: ["OneRoster"],
      security: [{}],
      parameters: [requestIdParameter],
      requestBody: {
        required: true,
        content: {
          "application/x-www-form-urlencoded": { schema: { $ref: "#/components/schemas/OAuthTokenRequest" } },
        },
      },
      responses: {
        "200": {
          description: "The token",
          headers: { ...everyAnswer, ...noStore },
          content: { "application/json": { schema: { $ref: "#/components/schemas/OAuthToken" } } },
        },
        "400": {
          description: "`invalid_request`, `unsupported_grant_type` or `invalid_scope`",
          headers: { ...everyAnswer, ...noStore },
          content: { "application/json": { schema: { $ref: "#/components/schemas/OAuthTokenError" } } },
        },
        "401": {
          description: "`invalid_client`: the client credentials are not valid",
          headers: {
            ...everyAnswer,
            ...noStore,
            "WWW-Authenticate": {
              description: "The scheme to authenticate with: HTTP Basic",
              schema: { type: "string", const: 'Basic realm="registrar"' },
            },
          },
          content: { "application/json": { schema: { $ref: "#/components/schemas/OAuthTokenError" } } },
        },
        "500": internalError,
        "503": serviceUnavailable,
      },
    },
  };
  copy.paths = paths;
  // The "OneRoster" tag itself is declared with the route table's (routes/index.ts), once.
  return copy as T;
}
