import { createApiKey } from "@registrar/core";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRegistrarClient, isRegistrarError, type RegistrarError } from "../src/index.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ auth: { mode: "required" } });
});
afterAll(async () => {
  await server?.close();
});

async function tokenFor(role: "registrar" | "reader"): Promise<string> {
  return (await createApiKey(server.database.db, { role, name: `sdk ${role}` })).token;
}

async function failureOf(call: Promise<unknown>): Promise<RegistrarError> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(isRegistrarError(error), String(error)).toBe(true);
  return error as RegistrarError;
}

describe("with AUTH=required", () => {
  it("refuses both clients without a token: unauthorized, 401", async () => {
    const anonymous = createRegistrarClient({ baseUrl: server.baseUrl });
    for (const error of [
      await failureOf(anonymous.trpc.students.list.query()),
      await failureOf(anonymous.rest.GET("/students")),
    ]) {
      expect(error).toMatchObject({ code: "unauthorized", status: 401 });
    }
  });

  it("lets a token through on both clients, and reports a role's limits as forbidden, 403", async () => {
    const registrar = createRegistrarClient({ baseUrl: server.baseUrl, token: await tokenFor("registrar") });
    const student = await registrar.trpc.students.create.mutate({
      name: "Keyed",
      email: "keyed@example.org",
    });
    const fetched = await registrar.rest.GET("/students/{id}", {
      params: { path: { id: String(student.id) } },
    });
    expect(fetched.data?.id).toBe(student.id);

    const reader = createRegistrarClient({ baseUrl: server.baseUrl, token: await tokenFor("reader") });
    expect((await reader.trpc.students.byId.query({ id: student.id })).id).toBe(student.id);
    for (const error of [
      await failureOf(reader.trpc.students.delete.mutate({ id: student.id })),
      await failureOf(reader.rest.DELETE("/students/{id}", { params: { path: { id: String(student.id) } } })),
    ]) {
      expect(error).toMatchObject({ code: "forbidden", status: 403 });
    }
  });
});
