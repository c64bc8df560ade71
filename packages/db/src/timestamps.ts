import pg from "pg";

/** PostgreSQL's type oid of `timestamp with time zone`, the type of every timestamp column. */
export const TIMESTAMPTZ_OID = 1184;

const utcText = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?\+00$/;
const parseWithPg = pg.types.getTypeParser(TIMESTAMPTZ_OID, "text") as (text: string) => Date;

/**
 * A `timestamptz` as PostgreSQL writes it (`2026-11-27 09:50:33.685123+00`) turned into the
 * ISO-8601 string the API returns (`2026-11-27T09:50:33.685Z`, milliseconds truncated, as
 * `Date.prototype.toISOString` gives). Both drivers use it for every timestamp column, so
 * rows carry strings, never Date objects.
 *
 * Why: every timestamp a row holds goes out as such a string, and parsing the text into a
 * Date (pg's regex parser) only to format it back was ~12% of the server's CPU in the
 * read-a-student's-courses benchmark (parseDate 4.5% + the regex 0.5% + toISOString in the
 * row builders ~7%, `--cpu-prof`, 40 timestamps per answer). A session in another time zone,
 * or a date this pattern does not cover, goes through pg's own parser: slower, same result.
 */
export function isoTimestamp(text: string): string {
  const utc = utcText.exec(text);
  if (utc) return `${utc[1]}T${utc[2]}.${`${utc[3] ?? ""}000`.slice(0, 3)}Z`;
  return parseWithPg(text).toISOString();
}

/** PostgreSQL's type oid of `date` (terms' and enrollments' calendar dates). */
export const DATE_OID = 1082;

/**
 * A `date` as PostgreSQL writes it under the ISO DateStyle of both drivers (`2026-09-01`)
 * already is the API's `YYYY-MM-DD`: kept as text. Both drivers would otherwise make it a
 * Date at local midnight, which shifts the day when formatted in UTC.
 */
const calendarDate = (text: string): string => text;

/** pg's per-connection type parsers: timestamptz as ISO strings, dates as text, the rest as pg does. */
export const pgTypes = {
  getTypeParser(oid: number, format?: string): unknown {
    const mode = format === "binary" ? "binary" : "text";
    if (mode === "text" && oid === TIMESTAMPTZ_OID) return isoTimestamp;
    if (mode === "text" && oid === DATE_OID) return calendarDate;
    return pg.types.getTypeParser(oid, mode);
  },
};

/** PGlite's per-instance parsers, the same rule. */
export const pgliteParsers = {
  [TIMESTAMPTZ_OID]: (text: string) => isoTimestamp(text),
  [DATE_OID]: calendarDate,
};
