import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createRegistrarClient, isRegistrarError } from "../src/index.ts";

// Something that is not Registrar: a proxy whose upstream is down, answering HTML.
let proxy: Server;
let baseUrl: string;
beforeAll(async () => {
  proxy = createServer((_request, response) => {
    response.writeHead(502, { "content-type": "text/html" }).end("<html><body>Bad gateway</body></html>");
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
});

it("reports an answer that is not a problem as unexpected_response with its status", async () => {
  const client = createRegistrarClient({ baseUrl });
  const errors = [
    await client.trpc.students.list.query().catch((reason: unknown) => reason),
    await client.rest.GET("/students").catch((reason: unknown) => reason),
  ];
  for (const error of errors) {
    expect(isRegistrarError(error), String(error)).toBe(true);
    expect(error).toMatchObject({ code: "unexpected_response", status: 502 });
  }
});
