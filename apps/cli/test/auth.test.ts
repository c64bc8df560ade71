import { createApiKey } from "@registrar/core";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { runCliProcess } from "./run-cli.ts";

// The real binary, so that REGISTRAR_URL and REGISTRAR_TOKEN come from the process's
// environment (about half a second of Node start-up each run).
vi.setConfig({ testTimeout: 120_000 });

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ auth: { mode: "required" } });
});
afterAll(async () => {
  await server?.close();
});

it("sends --token or REGISTRAR_TOKEN as the API key; without one the server refuses (exit 1)", async () => {
  const { token } = await createApiKey(server.database.db, { role: "registrar", name: "cli test" });

  const anonymous = await runCliProcess(["--url", server.baseUrl, "courses", "list"]);
  expect(anonymous.code).toBe(1);
  expect(anonymous.stderr).toMatch(/^error: .*(key|token|auth)/im);

  const withFlag = await runCliProcess([
    "--url",
    server.baseUrl,
    "--token",
    token,
    "courses",
    "add",
    "Keyed",
    "any",
  ]);
  expect(withFlag.code, withFlag.stderr).toBe(0);

  const withEnv = await runCliProcess(["courses", "list", "--json"], {
    REGISTRAR_URL: server.baseUrl,
    REGISTRAR_TOKEN: token,
  });
  expect(withEnv.code, withEnv.stderr).toBe(0);
  expect(JSON.parse(withEnv.stdout)).toMatchObject({ courses: [{ name: "Keyed" }] });
});
