import { MAX_PAGE_SIZE, type RouterOutputs } from "@registrar/sdk";
import { useInfiniteQuery } from "@tanstack/react-query";
import { useLoadAllPages } from "./load-all-pages.ts";
import { pagedQueryOptions } from "./paged-query.ts";
import { useTRPC, useTRPCClient } from "./trpc.ts";

export type Term = RouterOutputs["terms"]["byId"];

/**
 * Every term, loaded whole (a school has a few dozen): for naming a course's term and for
 * the term pickers. `nameOf` is undefined until they are in.
 */
export function useTerms() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const terms = useInfiniteQuery(
    pagedQueryOptions(trpc.terms.list.queryKey, client.terms.list.query, { limit: MAX_PAGE_SIZE }),
  );
  useLoadAllPages(terms);
  const list = terms.data?.pages.flatMap((page) => page.terms) ?? [];
  const byId = new Map(list.map((term) => [term.id, term]));
  return {
    query: terms,
    terms: list,
    nameOf: (termId: number | null) =>
      termId === null ? undefined : (byId.get(termId)?.name ?? `term ${termId}`),
  };
}
