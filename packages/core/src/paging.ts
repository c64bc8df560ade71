import { DEFAULT_PAGE_SIZE, parseId } from "@registrar/contract";
import { ValidationFailed } from "./errors.ts";
import type { PageInput } from "./schemas.ts";

export { DEFAULT_PAGE_SIZE };

const prefix = "id:";

/** Cursors are opaque to clients: base64url of the last id on the page. */
export function encodeCursor(lastId: number): string {
  return Buffer.from(`${prefix}${lastId}`).toString("base64url");
}

const invalidCursor = () => new ValidationFailed([{ path: "cursor", message: "is not a valid cursor" }]);

/** A cursor's text; a cursor that is not the canonical base64url of it is refused. */
function cursorText(cursor: string): string {
  const text = Buffer.from(cursor, "base64url").toString("utf8");
  if (Buffer.from(text).toString("base64url") !== cursor) throw invalidCursor();
  return text;
}

export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const text = cursorText(cursor);
  // the id inside obeys the same rule as an id in a path
  const id = parseId(text.startsWith(prefix) ? text.slice(prefix.length) : "");
  if (id === undefined) throw invalidCursor();
  return id;
}

/**
 * Where a waitlist page ended: the last row's place in the waitlist, its `waitlisted_at` in
 * microseconds since the epoch (exact, as PostgreSQL keeps it) and its student id.
 */
export type WaitlistPlace = { waitlistedAtMicros: string; studentId: number };

const placePrefix = "waitlist:";
const micros = /^-?\d{1,18}$/;

/**
 * A waitlist page's cursor carries the place itself, not only the student id: the row it
 * names may be gone (its student deleted) or have joined again at the end by the time the
 * next page is asked for, and the next page still starts where this one ended. Microseconds
 * rather than a sorted list's cursor (sorting.ts, the timestamp as PostgreSQL's text): that
 * would not fit the 64 characters of the roster's `cursor` (cursorSchema).
 */
export function encodeWaitlistCursor(place: WaitlistPlace): string {
  return Buffer.from(`${placePrefix}${place.waitlistedAtMicros}:${place.studentId}`).toString("base64url");
}

/**
 * A waitlist page's window. A cursor of the lists' kind (a student id, as waitlist pages
 * answered before) is taken too: its place is that student's place now.
 */
export function waitlistPageWindow(
  page: PageInput | undefined,
): PageWindow & { afterWaitlistedAtMicros: string | undefined } {
  const text = page?.cursor === undefined ? undefined : cursorText(page.cursor);
  if (!text?.startsWith(placePrefix)) return { ...pageWindow(page), afterWaitlistedAtMicros: undefined };
  const [at = "", id = "", ...rest] = text.slice(placePrefix.length).split(":");
  const studentId = parseId(id);
  if (studentId === undefined || rest.length > 0 || !micros.test(at)) throw invalidCursor();
  return { afterId: studentId, limit: page?.limit ?? DEFAULT_PAGE_SIZE, afterWaitlistedAtMicros: at };
}

export type PageWindow = { afterId: number; limit: number };

export function pageWindow(page: PageInput | undefined): PageWindow {
  return { afterId: decodeCursor(page?.cursor), limit: page?.limit ?? DEFAULT_PAGE_SIZE };
}

/**
 * Rows were fetched with `limit + 1`: the extra row only says that a next page exists, whose
 * cursor `cursorOf` makes of the page's last row (by default its id's).
 */
export function pageOf<Row extends { id: number }>(
  rows: Row[],
  limit: number,
  cursorOf: (last: Row) => string = (last) => encodeCursor(last.id),
): { items: Row[]; nextCursor: string | null } {
  if (rows.length <= limit) return { items: rows, nextCursor: null };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: last ? cursorOf(last) : null };
}
