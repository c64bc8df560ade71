import { TRPC_MAX_BATCH_SIZE, TRPC_MAX_URL_LENGTH } from "@registrar/contract";
import {
  createTRPCClientProxy,
  httpBatchLink,
  type TRPCClient,
  type TRPCLink,
  type TRPCRequestOptions,
  TRPCUntypedClient,
} from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "./app-router.ts";
import { errorFromTrpc, notJsonAnswer } from "./errors.ts";

/** Inputs of every procedure: `RouterInputs["enrollments"]["assign"]`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
/** Outputs of every procedure: `RouterOutputs["students"]["byId"]`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>;

export type RegistrarClientOptions = {
  /** Where the server answers, e.g. `http://127.0.0.1:3000` (no trailing `/trpc`). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` when given. */
  token?: string | undefined;
  /** A fetch to use instead of the global one (tests, retries, instrumentation). */
  fetch?: typeof fetch | undefined;
};

export function trimBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "");
}

export function authorizationHeaders(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/**
 * The links a Registrar tRPC client needs: batched HTTP to `${baseUrl}/trpc`, no data
 * transformer (the server sends plain JSON). Batches stay within the server's default
 * limit of calls (`TRPC_MAX_BATCH_SIZE`) and GET batches within a URL length every server
 * and proxy accepts; more calls at once go out as several requests. For apps that build
 * their own client, such as `@trpc/tanstack-react-query`; their errors stay
 * `TRPCClientError`s (see `toRegistrarError`).
 */
export function registrarLinks(options: RegistrarClientOptions): TRPCLink<AppRouter>[] {
  const headers = authorizationHeaders(options.token);
  return [
    httpBatchLink<AppRouter>({
      url: `${trimBaseUrl(options.baseUrl)}/trpc`,
      maxItems: TRPC_MAX_BATCH_SIZE,
      maxURLLength: TRPC_MAX_URL_LENGTH,
      headers: () => headers,
      fetch: rejectingNonJson(options.fetch),
    }),
  ];
}

/**
 * tRPC reads every answer as JSON; an HTML page (a proxy's 502, or a URL that is not
 * Registrar) would surface as a JSON syntax error without its status. Such answers
 * become `unexpected_response` here.
 */
function rejectingNonJson(custom: typeof fetch | undefined): typeof fetch {
  return async (input, init) => {
    // looked up per call, never stored unbound (browsers refuse a detached window.fetch)
    const response = await (custom ? custom(input, init) : globalThis.fetch(input, init));
    const notJson = notJsonAnswer(response);
    if (notJson) throw notJson;
    return response;
  };
}

/** An untyped tRPC client whose calls reject with `RegistrarError` instead of `TRPCClientError`. */
class RegistrarUntypedClient extends TRPCUntypedClient<AppRouter> {
  readonly #baseUrl: string;

  constructor(options: RegistrarClientOptions) {
    super({ links: registrarLinks(options) });
    this.#baseUrl = trimBaseUrl(options.baseUrl);
  }

  override async query(path: string, input?: unknown, opts?: TRPCRequestOptions) {
    try {
      return await super.query(path, input, opts);
    } catch (error) {
      throw errorFromTrpc(error, this.#baseUrl);
    }
  }

  override async mutation(path: string, input?: unknown, opts?: TRPCRequestOptions) {
    try {
      return await super.mutation(path, input, opts);
    } catch (error) {
      throw errorFromTrpc(error, this.#baseUrl);
    }
  }
}

export type RegistrarTrpcClient = TRPCClient<AppRouter>;

/** The typed tRPC client: `await trpc.students.byId.query({ id: 1 })`; failures are `RegistrarError`s. */
export function createRegistrarTrpcClient(options: RegistrarClientOptions): RegistrarTrpcClient {
  return createTRPCClientProxy<AppRouter>(new RegistrarUntypedClient(options));
}
