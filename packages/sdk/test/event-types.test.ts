import { describe, expectTypeOf, it } from "vitest";
import type {
  RegistrarEvent,
  RegistrarEventOf,
  RegistrarEventType,
  RegistrarTrpcEvent,
  RestSchemas,
  RouterOutputs,
  WebhookEvent,
} from "../src/index.ts";
import { verifyWebhook } from "../src/index.ts";

// Checked by tsc (the SDK's typecheck covers test/); at run time expectTypeOf does nothing.

type FeedEvent = RestSchemas["ListEventsResponse"]["events"][number];

describe("the event types", () => {
  it("are one union over every type of the feed, each member with one type", () => {
    expectTypeOf<RegistrarEvent["type"]>().toEqualTypeOf<RegistrarEventType>();
    expectTypeOf<RegistrarEventType>().toEqualTypeOf<FeedEvent["type"]>();
    expectTypeOf<RegistrarEventOf<"student.deleted">["type"]>().toEqualTypeOf<"student.deleted">();
    // what GET /events answers is a RegistrarEvent, and the other way round
    expectTypeOf<FeedEvent>().toExtend<RegistrarEvent>();
    expectTypeOf<RegistrarEvent>().toExtend<FeedEvent>();
  });

  it("narrow data by type in a switch (REST and webhooks: snake_case)", () => {
    const describeEvent = (event: RegistrarEvent): string => {
      switch (event.type) {
        case "student.created":
        case "student.updated":
          expectTypeOf(event.data).toEqualTypeOf<RestSchemas["Student"]>();
          return event.data.email;
        case "course.created":
          expectTypeOf(event.data).toEqualTypeOf<RestSchemas["Course"]>();
          return event.data.name;
        case "term.updated":
          expectTypeOf(event.data).toEqualTypeOf<RestSchemas["Term"]>();
          return event.data.starts_on;
        case "student.deleted":
        case "course.deleted":
          expectTypeOf(event.data).toEqualTypeOf<{ id: number }>();
          return String(event.data.id);
        case "enrollment.dropped":
          expectTypeOf(event.data.student_id).toEqualTypeOf<number>();
          expectTypeOf(event.data.status).toEqualTypeOf<"active" | "waitlisted" | "dropped" | "completed">();
          return event.data.dropped_at ?? "";
        default:
          expectTypeOf(event.type).toEqualTypeOf<
            | "course.updated"
            | "term.created"
            | "term.deleted"
            | "enrollment.enrolled"
            | "enrollment.waitlisted"
            | "enrollment.promoted"
            | "enrollment.completed"
            | "enrollment.reactivated"
          >();
          return event.occurred_at;
      }
    };
    expectTypeOf(describeEvent).parameter(0).toEqualTypeOf<RegistrarEvent>();
  });

  it("narrow the tRPC events the same way, in camelCase", () => {
    type Listed = RouterOutputs["events"]["list"]["events"][number];
    expectTypeOf<Listed>().toExtend<RegistrarTrpcEvent>();
    expectTypeOf<RegistrarTrpcEvent["type"]>().toEqualTypeOf<RegistrarEventType>();
    const studentOf = (event: RegistrarTrpcEvent): number | undefined =>
      event.type === "enrollment.promoted" ? event.data.studentId : undefined;
    expectTypeOf(studentOf).returns.toEqualTypeOf<number | undefined>();
    expectTypeOf<Extract<RegistrarTrpcEvent, { type: "term.created" }>["data"]>().toEqualTypeOf<
      RouterOutputs["terms"]["byId"]
    >();
  });

  it("are what verifyWebhook answers by default", () => {
    expectTypeOf<WebhookEvent>().toEqualTypeOf<RegistrarEvent>();
    // never called: only the types of the calls are checked
    const verified = (body: string) => verifyWebhook("whsec_", body, {});
    expectTypeOf(verified).returns.resolves.toEqualTypeOf<RegistrarEvent>();
    const other = (body: string) => verifyWebhook<{ custom: true }>("whsec_", body, {});
    expectTypeOf(other).returns.resolves.toEqualTypeOf<{ custom: true }>();
  });
});
