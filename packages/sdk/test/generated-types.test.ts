import { readFile } from "node:fs/promises";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { fetchOpenApiDocument, generatedTypesPath, renderOpenApiTypes } from "../scripts/openapi-types.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

it("src/generated/openapi.ts matches the live server's OpenAPI document (else: pnpm --filter @registrar/sdk generate)", async () => {
  const committed = await readFile(generatedTypesPath, "utf8");
  const fromLiveServer = await renderOpenApiTypes(await fetchOpenApiDocument(server.baseUrl));
  if (committed === fromLiveServer) return;
  const committedLines = committed.split("\n");
  const liveLines = fromLiveServer.split("\n");
  const line = liveLines.findIndex((text, index) => text !== committedLines[index]);
  expect.fail(
    `src/generated/openapi.ts is stale: run \`pnpm --filter @registrar/sdk generate\`. ` +
      `First difference at line ${line + 1}: committed ${JSON.stringify(committedLines[line])}, ` +
      `live ${JSON.stringify(liveLines[line])}`,
  );
});
