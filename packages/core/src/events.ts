import { DEFAULT_EVENTS_PAGE_SIZE, MAX_EVENTS_PAGE_SIZE } from "@registrar/contract";
import { type Database, Event as EventModel, type EventRow, WebhookDelivery } from "@registrar/db";
import { z } from "zod";
import { courseSchema, enrolledCourseSchema, idSchema, studentSchema, termSchema } from "./schemas.ts";

/**
 * The change feed (contract v1.1, "Events and webhooks"). The events are recorded by the
 * database in the transaction of each change (migration 20261203000100); feed ids are given
 * by the relay, which this module runs (see the Event model for why ids are not taken by the
 * writers). This only reads the feed, runs the relay and sweeps old events.
 */

export const eventResources = ["student", "course", "term", "enrollment"] as const;
export const enrollmentEventTypes = [
  "enrollment.enrolled",
  "enrollment.waitlisted",
  "enrollment.promoted",
  "enrollment.dropped",
  "enrollment.completed",
  "enrollment.reactivated",
] as const;

/** Every type the feed records (the CHECK of `events.type` lists the same). */
export const eventTypes = [
  "student.created",
  "student.updated",
  "student.deleted",
  "course.created",
  "course.updated",
  "course.deleted",
  "term.created",
  "term.updated",
  "term.deleted",
  ...enrollmentEventTypes,
] as const;
export type EventType = (typeof eventTypes)[number];

/** What `types` may name: a type, or every type of a resource (`enrollment.*`). */
export const eventTypePatterns = [
  ...eventTypes,
  ...eventResources.map((resource) => `${resource}.*` as const),
];
const typePatternMessage = `must be an event type or a resource's pattern (${eventResources.map((resource) => `${resource}.*`).join(", ")})`;
export const eventTypePatternSchema = z.enum(eventTypePatterns, typePatternMessage);

/** The most patterns `types` may list: every pattern once. */
export const MAX_EVENT_TYPE_PATTERNS = eventTypePatterns.length;

/** An event id as the feed writes it, and as `after` takes it: decimal digits, `0` before the first. */
export const EVENT_ID_MAX_DIGITS = 18;
const eventIdMessage = `must be an event id: decimal digits, at most ${EVENT_ID_MAX_DIGITS}`;
export const eventAfterSchema = z
  .string()
  .max(EVENT_ID_MAX_DIGITS, { error: eventIdMessage, abort: true })
  .regex(/^[0-9]+$/, eventIdMessage)
  .meta({ description: "The last event id seen; `0` or absent: from the oldest kept", example: "0" });

export const eventLimitSchema = z
  .number()
  .int("must be an integer")
  .min(1, `must be between 1 and ${MAX_EVENTS_PAGE_SIZE}`)
  .max(MAX_EVENTS_PAGE_SIZE, `must be between 1 and ${MAX_EVENTS_PAGE_SIZE}`)
  .meta({ description: `Events per page, 1..${MAX_EVENTS_PAGE_SIZE} (default ${DEFAULT_EVENTS_PAGE_SIZE})` });

export const eventListInput = z.strictObject({
  after: eventAfterSchema.optional(),
  limit: eventLimitSchema.optional(),
  types: z
    .array(eventTypePatternSchema)
    .min(1, "must name at least one type")
    .max(MAX_EVENT_TYPE_PATTERNS, `must name at most ${MAX_EVENT_TYPE_PATTERNS} types`)
    .optional(),
});
export type EventListInput = z.infer<typeof eventListInput>;

// ---- outputs ----------------------------------------------------------------------------

const eventIdSchema = z
  .string()
  .regex(/^[1-9][0-9]*$/)
  .max(EVENT_ID_MAX_DIGITS)
  .meta({ example: "42" });
const occurredAt = z.iso.datetime({ offset: true }).max(24).meta({ example: "2026-09-01T08:00:00.000Z" });
const deletedData = z.object({ id: idSchema });
const enrollmentData = enrolledCourseSchema.extend({ studentId: idSchema });

function eventOf<const Types extends readonly [EventType, ...EventType[]], Data extends z.ZodType>(
  types: Types,
  data: Data,
) {
  return z.object({ id: eventIdSchema, type: z.enum(types), occurredAt, data });
}

/**
 * One event: `data` is the resource after the change (REST: snake_case, as its GET answers
 * it; tRPC: camelCase, as its procedure answers it), `{ id }` when deleted, and for an
 * enrollment the enrolled-course item of the student's course list plus `studentId`.
 */
export const eventSchema = z
  .discriminatedUnion("type", [
    eventOf(["student.created", "student.updated"], studentSchema),
    eventOf(["course.created", "course.updated"], courseSchema),
    eventOf(["term.created", "term.updated"], termSchema),
    eventOf(["student.deleted", "course.deleted", "term.deleted"], deletedData),
    eventOf(enrollmentEventTypes, enrollmentData),
  ])
  .meta({ id: "Event" });
export type RegistrarEvent = z.infer<typeof eventSchema>;

export const eventPageSchema = z.object({
  events: z.array(eventSchema).max(MAX_EVENTS_PAGE_SIZE),
  nextAfter: eventAfterSchema.meta({
    description: "The id of the last event returned, or the `after` given",
  }),
});
export type EventPage = z.infer<typeof eventPageSchema>;

// ---- the relay, the feed, the sweep -------------------------------------------------------

/** How many events one relay run positions at most: a run is one UPDATE of that many rows. */
export const RELAY_BATCH = 5000;

/**
 * Gives every committed event without a feed id its id (the relay, `assign_event_ids()`),
 * in runs of {@link RELAY_BATCH} until one finds fewer; resolves to how many it assigned.
 * Cheap when nothing is pending (one indexed `exists`). Safe to call from any number of
 * processes at once (they queue on the relay's lock). Call it with the pool, never inside
 * a transaction: see Event.assignIds.
 */
export async function relayEvents(db: Database, options: { maxRuns?: number } = {}): Promise<number> {
  const maxRuns = options.maxRuns ?? 20;
  let total = 0;
  for (let run = 0; run < maxRuns; run++) {
    const assigned = await EventModel.assignIds(db, RELAY_BATCH);
    total += assigned;
    if (assigned < RELAY_BATCH) break;
  }
  return total;
}

/**
 * A page of the feed, ascending. The relay runs first (once: at most {@link RELAY_BATCH}
 * events), so that an event committed before the request is in the answer even when no
 * background relay runs. `nextAfter` is the last id returned, or the `after` given.
 */
export async function listEvents(db: Database, input: EventListInput = {}): Promise<EventPage> {
  const after = normalizedAfter(input.after);
  await EventModel.assignIds(db, RELAY_BATCH);
  const patterns = input.types ?? [];
  const resources = patterns
    .filter((pattern) => pattern.endsWith(".*"))
    .map((pattern) => pattern.slice(0, -2));
  const types = patterns.filter((pattern) => !pattern.endsWith(".*"));
  const rows = await EventModel.page(db, {
    after,
    limit: input.limit ?? DEFAULT_EVENTS_PAGE_SIZE,
    types,
    resources,
  });
  const events = rows.map(toEvent);
  return { events, nextAfter: events.at(-1)?.id ?? after };
}

type SweepOptions = { retentionDays: number; batch?: number; maxBatches?: number };

/** Deletes events older than `retentionDays` days, `batch` at a time, until none is left; resolves to how many. */
export function sweepEvents(db: Database, options: SweepOptions): Promise<number> {
  return inBatches((batch) => EventModel.sweep(db, options.retentionDays, batch), options);
}

/**
 * Deletes webhook deliveries (attempts) older than `retentionDays` days whose event their
 * subscription is done with, `batch` at a time; resolves to how many. The delivery history
 * is kept as long as the events it delivered: the same setting, the same sweep.
 */
export function sweepWebhookDeliveries(db: Database, options: SweepOptions): Promise<number> {
  return inBatches((batch) => WebhookDelivery.sweep(db, options.retentionDays, batch), options);
}

/** Runs a bounded delete until one deletes less than its batch, or `maxBatches` ran. */
async function inBatches(
  deleteBatch: (batch: number) => Promise<number>,
  options: SweepOptions,
): Promise<number> {
  const batch = options.batch ?? 1000;
  const maxBatches = options.maxBatches ?? 100;
  let total = 0;
  for (let round = 0; round < maxBatches; round++) {
    const deleted = await deleteBatch(batch);
    total += deleted;
    if (deleted < batch) break;
  }
  return total;
}

/** `007` and `7` are the same position; the answer's `next_after` spells it as ids are spelled. */
function normalizedAfter(after: string | undefined): string {
  if (after === undefined) return "0";
  return after.replace(/^0+(?=\d)/, "");
}

/**
 * A stored event as the operations answer it: camelCase like every other answer (the REST
 * adapter snake-cases it back to the stored shape on the way out).
 */
function toEvent(row: EventRow): RegistrarEvent {
  return { ...row, data: camelCasedKeys(row.data) } as RegistrarEvent;
}

function camelCasedKeys(data: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in data)
    out[key.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())] = data[key];
  return out;
}
