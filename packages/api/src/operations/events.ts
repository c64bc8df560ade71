import { DEFAULT_EVENTS_PAGE_SIZE, MAX_EVENTS_PAGE_SIZE } from "@registrar/contract";
import {
  eventAfterSchema,
  eventLimitSchema,
  eventListInput,
  eventPageSchema,
  eventTypePatternSchema,
  eventTypePatterns,
  listEvents,
  MAX_EVENT_TYPE_PATTERNS,
} from "@registrar/core";
import { z } from "zod";
import { reads } from "./access.ts";
import { defineOperation } from "./define-operation.ts";

const tag = "Events";

const limitMessage = `must be an integer between 1 and ${MAX_EVENTS_PAGE_SIZE}`;
/** `?limit=` of the feed as a query string spells it: exactly the strings whose value is 1..1000. */
const eventLimitParamSchema = z
  .string()
  .max(8, { error: limitMessage, abort: true })
  .regex(/^0{0,4}(?:[1-9][0-9]{0,2}|1000)$/, limitMessage)
  .transform(Number)
  .pipe(eventLimitSchema)
  .meta({
    description: `Events per page, 1..${MAX_EVENTS_PAGE_SIZE} (default ${DEFAULT_EVENTS_PAGE_SIZE})`,
    example: String(DEFAULT_EVENTS_PAGE_SIZE),
  });

const patternAlternatives = eventTypePatterns.map((pattern) => pattern.replace(/[.*]/g, "\\$&")).join("|");
const typesMessage = `must be a comma-separated list of event types or resource patterns (${eventTypePatterns.join(", ")})`;
/** `?types=enrollment.*,student.created`: types and resource patterns, separated by commas. */
const typesParamSchema = z
  .string()
  .max(512, { error: typesMessage, abort: true })
  .regex(new RegExp(`^(?:${patternAlternatives})(?:,(?:${patternAlternatives}))*$`), typesMessage)
  .transform((text) => [...new Set(text.split(","))])
  .pipe(z.array(eventTypePatternSchema).max(MAX_EVENT_TYPE_PATTERNS))
  .meta({
    description:
      "Only these types: event types (`student.created`) or every type of a resource (`enrollment.*`)",
    example: "enrollment.*,student.created",
  });

export const eventOperations = {
  list: defineOperation({
    name: "events.list",
    kind: "query",
    input: eventListInput.optional(),
    output: eventPageSchema,
    access: reads,
    problems: [],
    run: ({ db }, input) => listEvents(db, input),
    rest: {
      method: "get",
      path: "/events",
      operationId: "listEvents",
      summary: "The change feed, oldest first",
      description:
        "Every change (`student.*`, `course.*`, `term.*` created/updated/deleted; `enrollment.enrolled`, " +
        "`waitlisted`, `promoted`, `dropped`, `completed`, `reactivated`) as `{ id, type, occurred_at, data }`, " +
        "recorded in the transaction of the change; `data` is the resource after it, as its GET answers it " +
        "(`{ id }` when deleted; for an enrollment the student's enrolled-course item plus `student_id`). " +
        `Ascending id, after \`after\` (absent or \`0\`: the oldest kept), \`limit\` at a time (1..${MAX_EVENTS_PAGE_SIZE}, ` +
        `default ${DEFAULT_EVENTS_PAGE_SIZE}); \`types\` keeps some types. \`next_after\` is the last id returned, or ` +
        "the `after` given: a consumer that always asks `after=<next_after>` sees every event exactly once, in " +
        "commit order, however many transactions commit at once.",
      tag,
      query: z.object({
        after: eventAfterSchema.optional(),
        limit: eventLimitParamSchema.optional(),
        types: typesParamSchema.optional(),
      }),
      input: ({ query }) => query,
      responses: { 200: { description: "A page of events" } },
      status: 200,
    },
  }),
};
