import { type AppRouter, registrarLinks, toRegistrarError } from "@registrar/sdk";
import { QueryClient } from "@tanstack/react-query";
import { createTRPCClient } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";

/** `useTRPC()` gives query and mutation options for every procedure of the API. */
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // A problem answer (4xx) will not change on a retry; a dropped connection might.
        retry: (failures, error) => failures < 2 && toRegistrarError(error).status === 0,
      },
    },
  });
}

/** The API lives on the origin that served the page (`pnpm dev` proxies /trpc to :3000). */
export function createApiClient(apiKey: string | undefined, baseUrl: string = window.location.origin) {
  return createTRPCClient<AppRouter>({ links: registrarLinks({ baseUrl, token: apiKey }) });
}
