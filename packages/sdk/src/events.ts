/**
 * The events of the change feed and the webhooks (contract v1.1, "Events and webhooks") as
 * types. None is written by hand: the REST shapes come from the OpenAPI document, which the
 * server renders from the zod schemas of `@registrar/core` (`eventSchema`), and the tRPC
 * shape from the router's own output type. A change to those schemas changes these types.
 */
import type { components } from "./generated/openapi.ts";
import type { RouterOutputs } from "./trpc.ts";

/** The OpenAPI `Event`: one member per kind of `data`, each with the list of types it carries. */
type EventSchemaMembers = components["schemas"]["Event"];

/** Every event type: `student.created`, …, `enrollment.reactivated`. */
export type RegistrarEventType = EventSchemaMembers["type"];

/** The member of a union whose `type` may be `Type`, with `type` exactly `Type`. */
type MemberOfType<Union, Type> = Union extends { type: infer Types }
  ? Type extends Types
    ? { [Key in keyof Union]: Key extends "type" ? Type : Union[Key] }
    : never
  : never;

/**
 * One event of a given type as `GET /events` answers it and a webhook carries it
 * (snake_case): `RegistrarEventOf<"enrollment.dropped">["data"]` is the enrolled-course item.
 */
export type RegistrarEventOf<Type extends RegistrarEventType> = MemberOfType<EventSchemaMembers, Type>;

/**
 * An event as `GET /events` answers it and a webhook delivers it: `{ id, type, occurred_at,
 * data }` in snake_case, a union discriminated on `type` with one member per type, so that
 * `switch (event.type)` narrows `event.data` (a Student for `student.created`, `{ id }` for
 * `student.deleted`, the enrolled-course item plus `student_id` for `enrollment.*`).
 */
export type RegistrarEvent = { [Type in RegistrarEventType]: RegistrarEventOf<Type> }[RegistrarEventType];

type TrpcEventMembers = RouterOutputs["events"]["list"]["events"][number];

/** An event as tRPC's `events.list` answers it: the same union in camelCase (`occurredAt`, `studentId`). */
export type RegistrarTrpcEvent = {
  [Type in RegistrarEventType]: MemberOfType<TrpcEventMembers, Type>;
}[RegistrarEventType];
