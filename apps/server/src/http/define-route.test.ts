import { reads } from "@registrar/api";
import { describe, expect, it } from "vitest";
import { defineRoute } from "./define-route.ts";

describe("a REST route", () => {
  it("cannot be written without an access rule", () => {
    const withoutAccess = {
      method: "get" as const,
      path: "/things" as const,
      operationId: "listThings",
      summary: "Things",
      description: "Every thing.",
      tag: "Things",
      responses: { 200: { description: "The things" } },
      problems: [],
      input: () => undefined,
      handle: async () => ({ status: 200 as const, body: [] }),
    };
    // @ts-expect-error: `access` is required
    defineRoute(withoutAccess);

    const route = defineRoute({ ...withoutAccess, access: reads });
    expect(route.honoPath).toBe("/things");
  });
});
