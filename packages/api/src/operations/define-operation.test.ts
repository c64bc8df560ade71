import { describe, expect, it } from "vitest";
import { z } from "zod";
import { allOperations, procedureNames } from "../root.ts";
import { routerOf } from "../trpc.ts";
import { reads } from "./access.ts";
import { defineOperation } from "./define-operation.ts";

describe("an operation", () => {
  it("cannot be declared, or served over tRPC, without an access rule", () => {
    const withoutAccess = {
      name: "things.list" as const,
      kind: "query" as const,
      input: undefined,
      output: z.null(),
      problems: [],
      run: async () => null,
    };
    // @ts-expect-error: `access` is required
    defineOperation(withoutAccess);
    // @ts-expect-error: a router is made of operations, each with its access rule
    routerOf("things", { list: withoutAccess });

    const misnamed = defineOperation({ ...withoutAccess, name: "things.all", access: reads });
    // @ts-expect-error: an operation's name is its tRPC path
    routerOf("things", { list: misnamed });

    const listed = defineOperation({ ...withoutAccess, access: reads });
    expect(Object.keys(routerOf("things", { list: listed })._def.procedures)).toEqual(["list"]);
  });

  it("is one of the contract's procedures, each declared once", () => {
    expect([...procedureNames].sort()).toEqual(
      [
        "webhooks.list",
        "webhooks.byId",
        "webhooks.create",
        "webhooks.delete",
        "webhooks.deliveries",
        "webhooks.replay",
        "students.list",
        "students.byId",
        "students.create",
        "students.update",
        "students.delete",
        "courses.list",
        "courses.byId",
        "courses.create",
        "courses.update",
        "courses.delete",
        "courses.students",
        "terms.list",
        "terms.byId",
        "terms.create",
        "terms.update",
        "terms.delete",
        "enrollments.assign",
        "enrollments.replace",
        "enrollments.list",
        "enrollments.remove",
        "enrollments.update",
        "enrollments.history",
        "events.list",
        "keys.list",
        "keys.create",
        "keys.revoke",
      ].sort(),
    );
    expect(allOperations).toHaveLength(procedureNames.size);
  });

  it("binds to REST with an operationId of its own, except key management, which is tRPC only", () => {
    const bound = allOperations.filter((operation) => operation.rest);
    expect(new Set(bound.map((operation) => operation.rest?.operationId)).size).toBe(bound.length);
    expect(allOperations.filter((operation) => !operation.rest).map((operation) => operation.name)).toEqual([
      "keys.list",
      "keys.create",
      "keys.revoke",
    ]);
  });
});
