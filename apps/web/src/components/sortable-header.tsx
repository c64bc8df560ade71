import type { ReactNode } from "react";

export type SortDirection = "ascending" | "descending";

/** Which column a table is sorted by, and which way. */
export type SortState<Key extends string> = { key: Key; direction: SortDirection };

/** A click on a column's header: the same column turns around; another starts ascending. */
export function nextSort<Key extends string>(current: SortState<Key>, key: Key): SortState<Key> {
  if (current.key !== key) return { key, direction: "ascending" };
  return { key, direction: current.direction === "ascending" ? "descending" : "ascending" };
}

/** "sorted by name, ascending": for a table's caption, which a screen reader reads with the table. */
export function sortDescription(label: string, direction: SortDirection): string {
  return `sorted by ${label.toLowerCase()}, ${direction}`;
}

/**
 * A column header that sorts its table: a button inside the <th>, and `aria-sort` on the
 * header of the column in use. It only reports the wish (`onSort` with the next state); who
 * sorts is up to the table: a list loaded whole sorts in the browser (`useSortedRows`), a
 * paged list would pass the state on to the server's sort parameter and load again.
 */
export function SortableHeader<Key extends string>({
  sortKey,
  sort,
  onSort,
  className,
  children,
}: {
  sortKey: Key;
  sort: SortState<Key>;
  onSort: (next: SortState<Key>) => void;
  className?: string;
  children: ReactNode;
}) {
  const active = sort.key === sortKey;
  return (
    <th scope="col" className={className} aria-sort={active ? sort.direction : undefined}>
      <button type="button" className="sort-button" onClick={() => onSort(nextSort(sort, sortKey))}>
        {children}
        {/* the arrow is for the eye; aria-sort says the same to a screen reader */}
        <span className="sort-arrow" aria-hidden="true">
          {active ? (sort.direction === "ascending" ? "▲" : "▼") : "↕"}
        </span>
      </button>
    </th>
  );
}
