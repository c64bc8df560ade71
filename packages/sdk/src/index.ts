/**
 * @registrar/sdk: typed clients for the Registrar API. The tRPC client is typed from the
 * server's router by a type-only import, so the built package carries no server code.
 */

// The wire contract's ids, limits and problem codes, so that no client copies one.
export * from "@registrar/contract";
export type { AppRouter } from "./app-router.ts";
export { createRegistrarClient, type RegistrarClient } from "./client.ts";
export {
  type ClientErrorCode,
  isRegistrarError,
  RegistrarError,
  type RegistrarErrorCode,
  type RegistrarErrorOf,
  type RegistrarProblem,
  type RegistrarProblemOf,
  toRegistrarError,
} from "./errors.ts";
export type {
  RegistrarEvent,
  RegistrarEventOf,
  RegistrarEventType,
  RegistrarTrpcEvent,
} from "./events.ts";
export {
  createRegistrarOneRosterClient,
  type OneRosterImportReport,
  type RegistrarOneRosterClient,
} from "./oneroster.ts";
export {
  createRegistrarRestClient,
  type RegistrarRestClient,
  type RegistrarRestClientOptions,
  type RestComponents,
  type RestPaths,
  type RestSchemas,
} from "./rest.ts";
export type { RetryPolicy } from "./retry.ts";
export {
  createRegistrarTrpcClient,
  type RegistrarClientOptions,
  type RegistrarTrpcClient,
  type RouterInputs,
  type RouterOutputs,
  registrarLinks,
} from "./trpc.ts";
export {
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookEvent,
  type WebhookHeaders,
  WebhookVerificationError,
  type WebhookVerificationFailure,
} from "./webhooks.ts";
