import { spawn } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createRegistrarClient, type RegistrarClient, type RegistrarTrpcEvent } from "@registrar/sdk";
import { startTestServer, type TestServer } from "@registrar/server/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "./run-cli.ts";

vi.setConfig({ testTimeout: 120_000 });

let server: TestServer;
let sdk: RegistrarClient;
beforeAll(async () => {
  server = await startTestServer();
  sdk = createRegistrarClient({ baseUrl: server.baseUrl });
});
afterAll(async () => {
  await server?.close();
});

let counter = 0;
const email = () => `tail-${process.pid}-${++counter}@example.org`;

/**
 * `registrar events tail` running until it is signalled. runCli waits for the command to
 * end, which a tail never does by itself, so this one is a process of its own: the test
 * reads its output while it runs, then sends it SIGINT or SIGTERM as a terminal would.
 */
function startTail(url: string, args: string[]) {
  const bin = fileURLToPath(new URL("../bin/registrar.mjs", import.meta.url));
  const child = spawn(process.execPath, [bin, "--url", url, "events", "tail", ...args], {
    env: { ...process.env, REGISTRAR_URL: undefined, REGISTRAR_TOKEN: undefined },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const out = { stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (text: string) => {
    out.stdout += text;
  });
  child.stderr.setEncoding("utf8").on("data", (text: string) => {
    out.stderr += text;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    /** the complete lines printed so far */
    lines: () => out.stdout.split("\n").slice(0, -1),
    stderr: () => out.stderr,
    /** resolves once the tail has found where it starts */
    started: () => expect.poll(() => out.stderr, { timeout: 60_000 }).toMatch(/^Following events after/m),
    stop: async (signal: "SIGINT" | "SIGTERM") => {
      child.kill(signal);
      return exited;
    },
  };
}

/** Every event after `after`, read the way a consumer of the feed reads it. */
async function feedAfter(after: string): Promise<RegistrarTrpcEvent[]> {
  const events: RegistrarTrpcEvent[] = [];
  for (let cursor = after; ; ) {
    const page = await sdk.trpc.events.list.query({ after: cursor, limit: 1000 });
    if (page.events.length === 0) return events;
    events.push(...page.events);
    cursor = page.nextAfter;
  }
}

async function newestId(): Promise<string> {
  return (await feedAfter("0")).at(-1)?.id ?? "0";
}

/** Some writes at once: students, courses and enrollments, each transaction with its events. */
async function concurrentChanges(writers: number): Promise<void> {
  const course = await sdk.trpc.courses.create.mutate({ name: "Tailing", level: "any" });
  await Promise.all(
    Array.from({ length: writers }, async (_, index) => {
      const student = await sdk.trpc.students.create.mutate({ name: `Writer ${index}`, email: email() });
      await sdk.trpc.enrollments.assign.mutate({ studentId: student.id, courseIds: [course.id] });
    }),
  );
}

/** A proxy in front of the server that can stop answering (connections cut) and come back. */
async function flakyProxy(target: string): Promise<{ url: string; down: boolean; close(): Promise<void> }> {
  const state = { down: false };
  const proxy: Server = createServer(async (request, response) => {
    if (state.down) {
      request.socket.destroy();
      return;
    }
    const body: Buffer[] = [];
    for await (const chunk of request) body.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "accept", "authorization"]) {
      const value = request.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const answer = await fetch(new URL(request.url ?? "/", target), {
      method: request.method ?? "GET",
      headers,
      ...(body.length > 0 ? { body: Buffer.concat(body) } : {}),
    });
    response.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "text/plain" });
    response.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
      // keep-alive connections are cut too, so the very next request fails
      if (value) proxy.closeAllConnections();
    },
    close: () =>
      new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}

describe("registrar events tail", () => {
  it("from now: every event made while it runs, exactly once and in order, as NDJSON; SIGINT exits 0", async () => {
    await sdk.trpc.students.create.mutate({ name: "Before the tail", email: email() });
    const head = await newestId();
    const tail = startTail(server.baseUrl, ["--json"]);
    await tail.started();
    expect(tail.stderr()).toContain(`Following events after ${head} `);

    await concurrentChanges(24);
    const expected = await feedAfter(head);
    // a course, 24 students and 24 enrollments
    expect(expected).toHaveLength(49);
    await expect.poll(() => tail.lines().length, { timeout: 60_000 }).toBeGreaterThanOrEqual(expected.length);
    expect(await tail.stop("SIGINT")).toBe(0);

    const printed = tail.lines().map((line) => JSON.parse(line) as RegistrarTrpcEvent);
    expect(printed).toEqual(expected);
    expect(new Set(printed.map((event) => event.id)).size).toBe(printed.length);
  });

  it("--from-start and --type: one line per event for people, only the types asked; SIGTERM exits 0", async () => {
    const student = await sdk.trpc.students.create.mutate({ name: "Ada Lovelace", email: email() });
    const course = await sdk.trpc.courses.create.mutate({
      name: "Algebra",
      code: "ALG-1",
      level: "beginner",
    });
    await sdk.trpc.enrollments.assign.mutate({ studentId: student.id, courseIds: [course.id] });
    const kept = (await feedAfter("0")).filter(
      (event) => event.type === "student.created" || event.type.startsWith("enrollment."),
    );

    const tail = startTail(server.baseUrl, [
      "--from-start",
      "--type",
      "enrollment.*",
      "--type",
      "student.created",
    ]);
    await tail.started();
    expect(tail.stderr()).toMatch(/^Following events after the start/m);
    await expect.poll(() => tail.lines().length, { timeout: 60_000 }).toBeGreaterThanOrEqual(kept.length);
    const later = await sdk.trpc.students.create.mutate({ name: "Grace Hopper", email: email() });
    await sdk.trpc.courses.create.mutate({ name: "Not asked for", level: "any" });
    await expect.poll(() => tail.lines().length, { timeout: 60_000 }).toBe(kept.length + 1);
    expect(await tail.stop("SIGTERM")).toBe(0);

    const lines = tail.lines();
    expect(lines.map((line) => line.split(" ")[0])).toEqual([
      ...kept.map((event) => event.id),
      expect.stringMatching(/^\d+$/),
    ]);
    for (const line of lines) {
      expect(line).toMatch(
        /^\d+ {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}(student\.created|enrollment\.\w+) +\S/,
      );
    }
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`student\\.created +student ${student.id}: Ada Lovelace <${student.email}>$`),
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        new RegExp(`enrollment\\.enrolled +student ${student.id}, ALG-1 Algebra \\(course ${course.id}\\)$`),
      ),
    );
    expect(lines.at(-1)).toMatch(new RegExp(`student ${later.id}: Grace Hopper <`));
  });

  it("--after an id: what came after it; a server that stops answering is waited for, and the tail resumes from the last id printed", async () => {
    const proxy = await flakyProxy(server.baseUrl);
    try {
      const start = await newestId();
      await sdk.trpc.students.create.mutate({ name: "First", email: email() });
      const tail = startTail(proxy.url, ["--after", start, "--json"]);
      await tail.started();
      await expect.poll(() => tail.lines().length, { timeout: 60_000 }).toBe(1);

      proxy.down = true;
      await expect.poll(() => tail.stderr(), { timeout: 60_000 }).toMatch(/No answer from the server/);
      await concurrentChanges(3);
      proxy.down = false;
      const expected = await feedAfter(start);
      expect(expected).toHaveLength(1 + 7);
      await expect
        .poll(() => tail.lines().length, { timeout: 60_000 })
        .toBeGreaterThanOrEqual(expected.length);
      expect(tail.stderr()).toMatch(/The server answers again; following after \d+\./);
      expect(await tail.stop("SIGINT")).toBe(0);
      expect(tail.lines().map((line) => (JSON.parse(line) as RegistrarTrpcEvent).id)).toEqual(
        expected.map((event) => event.id),
      );
    } finally {
      await proxy.close();
    }
  });

  it("refuses bad arguments as usage errors (exit 2), an unknown type included, and an unreachable server with 3", async () => {
    for (const args of [
      ["--after", "abc"],
      ["--after", "1", "--from-start"],
      ["--type", "student"],
      ["--type", "student.frobbed"],
    ]) {
      const run = await runCli(["--url", server.baseUrl, "events", "tail", ...args]);
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(2);
      expect(run.stderr).toMatch(/^error: /m);
    }
    const unreachable = await runCli(["--url", "http://127.0.0.1:9", "events", "tail"]);
    expect(unreachable.code).toBe(3);
  });
});
