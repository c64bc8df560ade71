import { useEffect } from "react";

type PagedQuery = {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  isError: boolean;
  fetchNextPage: () => Promise<unknown>;
};

/**
 * Keeps fetching the next page until there is none: for lists a page needs whole
 * (a student's courses, the courses to choose from), which are small in practice.
 */
export function useLoadAllPages(query: PagedQuery): void {
  const { hasNextPage, isFetchingNextPage, isError, fetchNextPage } = query;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && !isError) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, isError, fetchNextPage]);
}
