import { parseId } from "@registrar/contract";
import type { SortKey, SortPosition } from "@registrar/db";
import { ValidationFailed } from "./errors.ts";
import { pageOf } from "./paging.ts";
import type { SortOrder } from "./schemas.ts";

/**
 * Cursors of a sorted list (`?sort=` other than the default): base64url of
 * `sort:<key>:<order>:<id>:<value>`, the last row's sort value as the database's text of
 * it. The cursor names its sort, so one from another sort or order (or from the default
 * order, whose cursors are `id:<n>`) is refused instead of paging from a wrong place.
 */
const prefix = "sort";

export function encodeSortCursor(sort: string, order: SortOrder, position: SortPosition): string {
  return Buffer.from(`${prefix}:${sort}:${order}:${position.id}:${position.value}`).toString("base64url");
}

const invalidCursor = () =>
  new ValidationFailed([{ path: "cursor", message: "is not a valid cursor for this sort and order" }]);

/** PostgreSQL's text of a timestamptz (ISO DateStyle): `2026-12-02 01:58:21.123456+00`. */
const timestampText = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)([+-]\d{2})(:\d{2})?$/;
const integerText = /^-?\d{1,10}$/;

/**
 * Whether a cursor's value is one the key's type can be compared with: a cursor is the
 * client's text, and a value the database cannot cast would be a 500, not the 400 it is.
 */
function fitsType(value: string, type: SortKey["type"]): boolean {
  // PostgreSQL's text holds no NUL: a parameter with one fails in the driver
  if (type === "text") return !value.includes("\u0000");
  if (type === "integer") return integerText.test(value) && Math.abs(Number(value)) <= 2_147_483_647;
  const parts = timestampText.exec(value);
  if (!parts) return false;
  const [, date, time, hours, minutes = ":00"] = parts;
  const iso = `${date}T${time}${hours}${minutes}`;
  // a date that does not exist (2026-02-30) parses to another day or not at all
  const day = Date.parse(`${date}T00:00:00Z`);
  return (
    !Number.isNaN(Date.parse(iso)) && !Number.isNaN(day) && new Date(day).toISOString().slice(0, 10) === date
  );
}

export function decodeSortCursor(
  cursor: string | undefined,
  sort: string,
  order: SortOrder,
  key: SortKey,
): SortPosition | undefined {
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (Buffer.from(text).toString("base64url") !== cursor) throw invalidCursor();
  const head = `${prefix}:${sort}:${order}:`;
  if (!text.startsWith(head)) throw invalidCursor();
  const rest = text.slice(head.length);
  const colon = rest.indexOf(":");
  const id = colon < 0 ? undefined : parseId(rest.slice(0, colon));
  const value = rest.slice(colon + 1);
  if (id === undefined || !fitsType(value, key.type)) throw invalidCursor();
  return { id, value };
}

/**
 * Rows fetched with `limit + 1`, each with its `sortKey`: the page without the key, and the
 * cursor of its last row when a next page exists.
 */
export function sortedPageOf<Row extends { id: number; sortKey: string }>(
  rows: Row[],
  limit: number,
  sort: string,
  order: SortOrder,
): { items: Omit<Row, "sortKey">[]; nextCursor: string | null } {
  const { items, nextCursor } = pageOf(rows, limit, (last) =>
    encodeSortCursor(sort, order, { value: last.sortKey, id: last.id }),
  );
  return { items: items.map(({ sortKey: _, ...item }) => item), nextCursor };
}
