import { infiniteQueryOptions, type QueryKey } from "@tanstack/react-query";

type Page = { nextCursor: string | null };
type Cursor = { cursor?: string | undefined };

/**
 * Infinite-query options for a cursor-paged procedure, given as its tRPC key and its client
 * call, with the input (without the cursor) written once for both. Not tRPC's own
 * `infiniteQueryOptions`: that one adds a `direction` field to the input, which the API's
 * strict inputs (`{ limit?, cursor? }`) reject as an unknown field. The key starts with the
 * procedure's tRPC key, so `trpc.<router>.pathFilter()` invalidates these lists too.
 */
export function pagedQueryOptions<TInput extends object, TPage extends Page>(
  queryKey: (input: NoInfer<TInput>) => QueryKey,
  fetchPage: (input: NoInfer<TInput> & Cursor) => Promise<TPage>,
  input: TInput,
) {
  return infiniteQueryOptions({
    queryKey: [...queryKey(input), "pages"],
    queryFn: ({ pageParam }) => fetchPage({ ...input, cursor: pageParam }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page: TPage) => page.nextCursor ?? undefined,
  });
}
