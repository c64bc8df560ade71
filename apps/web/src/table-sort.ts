import { useState } from "react";
import type { SortState } from "./components/sortable-header.tsx";

/** How a column compares: by its text (in the reader's language) or by a number. */
export type SortValue<Row> = (row: Row) => string | number;

const collator = new Intl.Collator(undefined, { sensitivity: "base", numeric: true });

function compareValues(a: string | number, b: string | number): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return collator.compare(String(a), String(b));
}

/**
 * Client-side sorting for a list the page holds whole (a roster, a student's courses):
 * the rows in the chosen order, ties kept in the order the server gave them.
 */
export function useSortedRows<Row, Key extends string>(
  rows: readonly Row[],
  columns: Record<Key, SortValue<Row>>,
  initial: SortState<NoInfer<Key>>,
): { sorted: Row[]; sort: SortState<Key>; setSort: (next: SortState<Key>) => void } {
  const [sort, setSort] = useState(initial);
  const columnValue = columns[sort.key];
  const sign = sort.direction === "ascending" ? 1 : -1;
  const sorted = rows
    .map((row, index) => ({ row, index, value: columnValue(row) }))
    .sort((a, b) => sign * compareValues(a.value, b.value) || a.index - b.index)
    .map(({ row }) => row);
  return { sorted, sort, setSort };
}
