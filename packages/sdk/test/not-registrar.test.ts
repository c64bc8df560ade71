import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createRegistrarClient, isRegistrarError } from "../src/index.ts";

// Something that is not Registrar: a proxy answering HTML, with the status that the first
// path segment names (`/502/students` answers 502), or an empty 204.
let proxy: Server;
let origin: string;
beforeAll(async () => {
  proxy = createServer((request, response) => {
    const status = Number(request.url?.split("/")[1]);
    if (status === 204) return response.writeHead(204).end();
    response.writeHead(status, { "content-type": "text/html" }).end("<html><body>Bad gateway</body></html>");
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
});

it.each([502, 200])(
  "reports an HTML answer with status %i as unexpected_response, from either client",
  async (status) => {
    const client = createRegistrarClient({ baseUrl: `${origin}/${status}` });
    const errors = [
      await client.trpc.students.list.query().catch((reason: unknown) => reason),
      await client.rest.GET("/students").catch((reason: unknown) => reason),
      await client.rest.POST("/students", { body: { name: "A", email: "a@example.org" } }).catch((r) => r),
    ];
    for (const error of errors) {
      expect(isRegistrarError(error), String(error)).toBe(true);
      expect(error).toMatchObject({ code: "unexpected_response", status });
    }
  },
);

it("takes an answer without a body (204) as the success it is", async () => {
  const client = createRegistrarClient({ baseUrl: `${origin}/204` });
  const { data, response } = await client.rest.DELETE("/students/{id}", { params: { path: { id: "1" } } });
  expect(response.status).toBe(204);
  expect(data).toBeUndefined();
});
