import { DEFAULT_PAGE_SIZE, parseId } from "@registrar/contract";
import { ValidationFailed } from "./errors.ts";
import type { PageInput } from "./schemas.ts";

export { DEFAULT_PAGE_SIZE };

const prefix = "id:";

/** Cursors are opaque to clients: base64url of the last id on the page. */
export function encodeCursor(lastId: number): string {
  return Buffer.from(`${prefix}${lastId}`).toString("base64url");
}

export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  // the id inside obeys the same rule as an id in a path
  const id = parseId(text.startsWith(prefix) ? text.slice(prefix.length) : "");
  if (id === undefined || Buffer.from(text).toString("base64url") !== cursor) {
    throw new ValidationFailed([{ path: "cursor", message: "is not a valid cursor" }]);
  }
  return id;
}

export type PageWindow = { afterId: number; limit: number };

export function pageWindow(page: PageInput | undefined): PageWindow {
  return { afterId: decodeCursor(page?.cursor), limit: page?.limit ?? DEFAULT_PAGE_SIZE };
}

/** Rows were fetched with `limit + 1`: the extra row only says that a next page exists. */
export function pageOf<Row extends { id: number }>(
  rows: Row[],
  limit: number,
): { items: Row[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: last ? encodeCursor(last.id) : null };
}
