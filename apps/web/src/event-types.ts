import type { RouterInputs } from "@registrar/sdk";

/** What a webhook may subscribe to: an event type (`student.created`) or a resource's pattern (`student.*`). */
export type EventTypePattern = RouterInputs["webhooks"]["create"]["eventTypes"][number];
type Resource = EventTypePattern extends `${infer Name}.${string}` ? Name : never;

// A record, not a list: a type the API gains fails the typecheck here until the page offers it.
const offered: Record<EventTypePattern, true> = {
  "student.*": true,
  "student.created": true,
  "student.updated": true,
  "student.deleted": true,
  "course.*": true,
  "course.created": true,
  "course.updated": true,
  "course.deleted": true,
  "term.*": true,
  "term.created": true,
  "term.updated": true,
  "term.deleted": true,
  "enrollment.*": true,
  "enrollment.enrolled": true,
  "enrollment.waitlisted": true,
  "enrollment.promoted": true,
  "enrollment.dropped": true,
  "enrollment.completed": true,
  "enrollment.reactivated": true,
};

const resourceLabels: Record<Resource, string> = {
  student: "Student events",
  course: "Course events",
  term: "Term events",
  enrollment: "Enrollment events",
};

export type EventGroup = {
  label: string;
  /** every event of the resource, present and future: `student.*` */
  pattern: EventTypePattern;
  types: EventTypePattern[];
};

const patterns = Object.keys(offered) as EventTypePattern[];

/** The patterns and types by resource, as the subscription form offers them. */
export const eventGroups: EventGroup[] = (Object.keys(resourceLabels) as Resource[]).map((resource) => ({
  label: resourceLabels[resource],
  pattern: `${resource}.*`,
  types: patterns.filter((name) => name.startsWith(`${resource}.`) && !name.endsWith(".*")),
}));

/** A subscription's stored `eventTypes` are plain strings in the API's answers. */
export function isEventTypePattern(name: string): name is EventTypePattern {
  return Object.hasOwn(offered, name);
}
