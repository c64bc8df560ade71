import type { AppRouter } from "@registrar/api";
import { TRPC_MAX_BATCH_SIZE } from "@registrar/contract";
import { createTRPCClient, httpBatchLink, TRPCClientError } from "@trpc/client";
import { afterEach, describe, expect, it } from "vitest";
import { uniqueEmail } from "../../test/http-client.ts";
import { startTestServer, type TestServer } from "../testing.ts";

/**
 * tRPC batches through the real app: a batch is capped in size and every call in it counts
 * against the rate limit, both decided before any call runs. Before this, one POST batch of
 * 900 `students.create` calls created 900 students and cost one unit of the rate limit.
 */

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function serve(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const server = await startTestServer(options);
  servers.push(server);
  return server;
}

type Answer = { status: number; headers: Headers; body: unknown };

/** One raw tRPC batch POST of `students.create` calls (`encodeComma`: `%2C` between names). */
async function createBatch(baseUrl: string, emails: string[], encodeComma = false): Promise<Answer> {
  const names = emails.map(() => "students.create").join(encodeComma ? "%2C" : ",");
  const inputs = Object.fromEntries(emails.map((email, index) => [index, { name: "Batch", email }]));
  const response = await fetch(`${baseUrl}/trpc/${names}?batch=1`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(inputs),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** Which of `emails` exist as students (read from the database: a REST read would cost budget). */
async function existing(server: TestServer, emails: string[]): Promise<string[]> {
  const rows: Array<{ email: string }> = await server.database
    .db("students")
    .whereIn("email", emails)
    .select("email");
  return rows.map((row) => row.email).sort();
}

type Envelope = { error: { message: string; data: { code: string; httpStatus: number; problem: Problem } } };
type Problem = { code: string; status: number; errors?: Array<{ path: string; message: string }> };

const emailsFor = (count: number) => Array.from({ length: count }, () => uniqueEmail("batch"));

describe(`tRPC batch limits on ${process.env.REGISTRAR_TEST_DB ?? "pglite"}`, () => {
  it("refuses a batch over the limit whole, with one 400 validation_failed naming the batch, before any call runs", async () => {
    const server = await serve({ trpcMaxBatchSize: 5 });
    const { baseUrl } = server;
    const emails = emailsFor(6);
    for (const encodeComma of [false, true]) {
      const refused = await createBatch(baseUrl, emails, encodeComma);
      expect(refused.status).toBe(400);
      // one error object for the whole request, not one per call
      expect(Array.isArray(refused.body)).toBe(false);
      const { error } = refused.body as Envelope;
      expect(error.data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400 });
      expect(error.data.problem).toMatchObject({ code: "validation_failed", status: 400 });
      expect(error.data.problem.errors).toEqual([
        { path: "batch", message: expect.stringMatching(/has 6 calls; a batch may have at most 5/) },
      ]);
    }
    expect(await existing(server, emails)).toEqual([]);

    // at the limit it runs
    const five = emailsFor(5);
    const accepted = await createBatch(baseUrl, five);
    expect(accepted.status).toBe(200);
    expect(await existing(server, five)).toEqual([...five].sort());
  });

  it(`caps batches at TRPC_MAX_BATCH_SIZE (${TRPC_MAX_BATCH_SIZE}) by default; a tRPC client sees the problem on every call`, async () => {
    const server = await serve({});
    const { baseUrl } = server;
    // a client without maxItems puts every call of one tick into one batch
    const unlimited = createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: `${baseUrl}/trpc` })] });
    const emails = emailsFor(TRPC_MAX_BATCH_SIZE + 1);
    const outcomes = await Promise.allSettled(
      emails.map((email) => unlimited.students.create.mutate({ name: "Over", email })),
    );
    for (const outcome of outcomes) {
      expect(outcome.status).toBe("rejected");
      const error = (outcome as PromiseRejectedResult).reason;
      expect(error).toBeInstanceOf(TRPCClientError);
      expect((error as TRPCClientError<AppRouter>).data).toMatchObject({
        httpStatus: 400,
        problem: { code: "validation_failed", errors: [{ path: "batch" }] },
      });
    }
    expect(await existing(server, emails)).toEqual([]);
  });

  it("counts every call of a batch against the rate limit, and refuses a batch over what is left whole", async () => {
    const server = await serve({ rateLimit: { perMinute: 10 } });
    const { baseUrl } = server;
    const first = await createBatch(baseUrl, emailsFor(4));
    expect(first.status).toBe(200);
    expect(first.headers.get("ratelimit-remaining")).toBe("6");
    const second = await createBatch(baseUrl, emailsFor(4));
    expect(second.status).toBe(200);
    expect(second.headers.get("ratelimit-remaining")).toBe("2");

    const tooMany = emailsFor(3);
    const refused = await createBatch(baseUrl, tooMany);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.headers.get("ratelimit-remaining")).toBe("2");
    const calls = refused.body as Envelope[];
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      expect(call.error.data.problem).toMatchObject({ code: "rate_limited", status: 429 });
      expect(call.error.message).toMatch(/batch of 3 calls is more than the 2 left of 10/);
    }
    expect(await existing(server, tooMany)).toEqual([]);

    // what is left is still there for calls that fit
    const fits = await createBatch(baseUrl, emailsFor(2));
    expect(fits.status).toBe(200);
    expect(fits.headers.get("ratelimit-remaining")).toBe("0");
  });
});
