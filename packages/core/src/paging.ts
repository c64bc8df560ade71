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
 * next page is asked for, and the next page still starts where this one ended.
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
): PageWindow & { place: WaitlistPlace | undefined } {
  const limit = page?.limit ?? DEFAULT_PAGE_SIZE;
  const text = page?.cursor === undefined ? "" : Buffer.from(page.cursor, "base64url").toString("utf8");
  if (!text.startsWith(placePrefix)) return { ...pageWindow(page), place: undefined };
  const [at = "", id = "", ...rest] = text.slice(placePrefix.length).split(":");
  const studentId = parseId(id);
  const place = studentId === undefined ? undefined : { waitlistedAtMicros: at, studentId };
  if (!place || rest.length > 0 || !micros.test(at) || encodeWaitlistCursor(place) !== page?.cursor) {
    throw new ValidationFailed([{ path: "cursor", message: "is not a valid cursor" }]);
  }
  return { afterId: studentId ?? 0, limit, place };
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
