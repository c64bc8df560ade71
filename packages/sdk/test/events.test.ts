import { startTestServer, type TestServer } from "@registrar/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createRegistrarClient,
  type RegistrarClient,
  type RestSchemas,
  type RouterOutputs,
} from "../src/index.ts";

let server: TestServer;
let client: RegistrarClient;
beforeAll(async () => {
  server = await startTestServer();
  client = createRegistrarClient({ baseUrl: server.baseUrl });
});
afterAll(async () => {
  await server?.close();
});

/** The event types narrow `data`: a compile-time check as much as a runtime one. */
function studentName(event: RestSchemas["Event"]): string | undefined {
  return event.type === "student.created" || event.type === "student.updated" ? event.data.name : undefined;
}
function enrolledStudentId(event: RouterOutputs["events"]["list"]["events"][number]): number | undefined {
  return event.type === "enrollment.enrolled" ? event.data.studentId : undefined;
}

describe("the change feed through the SDK", () => {
  it("REST GET /events and tRPC events.list page the same events, typed by their type", async () => {
    const student = await client.trpc.students.create.mutate({
      name: "Feed Reader",
      email: "feed@example.org",
    });
    const course = await client.trpc.courses.create.mutate({ name: "Feeds", level: "any" });
    await client.trpc.enrollments.assign.mutate({ studentId: student.id, courseIds: [course.id] });

    const rest = await client.rest.GET("/events", { params: { query: { after: "0", limit: "2" } } });
    expect(rest.response.status).toBe(200);
    const page = rest.data;
    if (!page) throw new Error("GET /events resolved without a body");
    expect(page.events.map((event) => event.type)).toEqual(["student.created", "course.created"]);
    expect(studentName(page.events[0] as RestSchemas["Event"])).toBe("Feed Reader");
    const next = await client.rest.GET("/events", {
      params: { query: { after: page.next_after, types: "enrollment.*" } },
    });
    expect(next.data?.events.map((event) => event.type)).toEqual(["enrollment.enrolled"]);

    const overTrpc = await client.trpc.events.list.query({
      after: "0",
      types: ["enrollment.*", "student.created"],
    });
    expect(overTrpc.events.map((event) => event.type)).toEqual(["student.created", "enrollment.enrolled"]);
    expect(overTrpc.events.map(enrolledStudentId)).toEqual([undefined, student.id]);
    expect(overTrpc.nextAfter).toBe(overTrpc.events[1]?.id);
    expect(overTrpc.events[1]?.id).toBe(next.data?.events[0]?.id);
  });
});
