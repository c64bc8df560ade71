import { infiniteQueryOptions, type QueryKey } from "@tanstack/react-query";

type Page = { nextCursor: string | null };

/**
 * Infinite-query options for a cursor-paged procedure. Not tRPC's own
 * `infiniteQueryOptions`: that one adds a `direction` field to the input, which the API's
 * strict inputs (`{ limit?, cursor? }`) reject as an unknown field. The key starts with the
 * procedure's tRPC key, so `trpc.<router>.pathFilter()` invalidates these lists too.
 */
export function pagedQueryOptions<TPage extends Page>(
  procedureKey: QueryKey,
  fetchPage: (cursor: string | undefined) => Promise<TPage>,
) {
  return infiniteQueryOptions({
    queryKey: [...procedureKey, "pages"],
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page: TPage) => page.nextCursor ?? undefined,
  });
}
