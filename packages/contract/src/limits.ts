// Bounds of the wire contract (shared/api-contract.md), enforced by the server's zod schemas
// and respected by its clients before they send anything.

// ---- v1 ------------------------------------------------------------------------------

/** `?limit=` of every paged list: 1..MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE when left out. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/**
 * `?limit=` as a query string spells it: exactly the strings whose value is 1..MAX_PAGE_SIZE,
 * with leading zeros (always accepted) up to PAGE_SIZE_PARAM_MAX_LENGTH characters.
 */
export const PAGE_SIZE_PARAM_PATTERN = /^0{0,5}(?:[1-9][0-9]?|1[0-9]{2}|200)$/;
export const PAGE_SIZE_PARAM_MAX_LENGTH = 6;

/** Course ids of one assignment (`POST /students/{id}/courses`, `enrollments.assign`). */
export const MIN_ASSIGN_COURSE_IDS = 1;
export const MAX_ASSIGN_COURSE_IDS = 1000;
/** Course ids that replace a student's set (`PUT`, `enrollments.replace`): 0..this. */
export const MAX_REPLACE_COURSE_IDS = 1000;

/** A student's or course's name and a course's level, after trimming: 1..this. */
export const MAX_NAME_LENGTH = 200;
export const MAX_EMAIL_LENGTH = 254;
/** An API key's optional label (tRPC `keys.create`, `pnpm keys create --name`). */
export const MAX_KEY_NAME_LENGTH = 200;
/** A course's seats; null means unlimited. */
export const MIN_CAPACITY = 1;
export const MAX_CAPACITY = 100_000;

/** The largest request body the server reads (413 `payload_too_large` above it). */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

// ---- v1.1 ----------------------------------------------------------------------------

export const MAX_COURSE_CODE_LENGTH = 64;
/** A `sourced_id`: 1..this visible characters. */
export const MAX_SOURCED_ID_LENGTH = 255;
/** `waitlist_capacity`: 0..this, 0 meaning no waitlist. */
export const MAX_WAITLIST_CAPACITY = 100_000;
/** The `reason` of a drop or a status change. */
export const MAX_REASON_LENGTH = 500;
/** `Idempotency-Key`: 1..this visible ASCII characters. */
export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;
/** `GET /events?limit=`: 1..MAX_EVENTS_PAGE_SIZE, DEFAULT_EVENTS_PAGE_SIZE when left out. */
export const DEFAULT_EVENTS_PAGE_SIZE = 100;
export const MAX_EVENTS_PAGE_SIZE = 1000;
/** A OneRoster CSV package (`POST /oneroster/imports`). */
export const MAX_ONEROSTER_PACKAGE_BYTES = 50 * 1024 * 1024;
/** `limit` of the OneRoster rostering view when left out. */
export const DEFAULT_ONEROSTER_PAGE_SIZE = 100;
