import type { ReactNode } from "react";

type PagedList = {
  hasNextPage: boolean;
  isFetchingNextPage: boolean;
  fetchNextPage: () => Promise<unknown>;
};

/** The next page of a paged list on request; nothing once the last page is in. */
export function LoadMoreButton({
  list,
  label,
  children,
}: {
  list: PagedList;
  label: string;
  /** shown beside the button, e.g. a note on what a search covers */
  children?: ReactNode;
}) {
  if (!list.hasNextPage) return null;
  return (
    <p>
      <button type="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
        {list.isFetchingNextPage ? "Loading…" : label}
      </button>
      {children}
    </p>
  );
}
