import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { AppRouter } from "@registrar/api";
import { type ApiKeyRole, createApiKey } from "@registrar/core";
import type { Database } from "@registrar/db";
import { createTRPCClient, httpLink } from "@trpc/client";
import { expect } from "vitest";
import { type AppOptions, createApp } from "../../src/app.ts";

export type Answer = { status: number; headers: Headers; body: Record<string, unknown>; text: string };

/** One HTTP request with an optional bearer key; the body parsed when it is JSON. */
export async function call(
  baseUrl: string,
  method: string,
  path: string,
  options: { token?: string | undefined; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = {};
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** Asserts an RFC 9457 problem with this status and code. */
export function expectProblem(answer: Answer, status: number, code: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get("content-type")).toBe("application/problem+json");
  expect(answer.body).toMatchObject({ status, code });
}

/** A tRPC client (one call per request, so a refusal is that call's own answer). */
export function trpcClient(baseUrl: string, token?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${baseUrl}/trpc`,
        headers: token ? { authorization: `Bearer ${token}` } : {},
      }),
    ],
  });
}

/** The tRPC error a call fails with: its code and problem. */
export async function trpcFailure(
  promise: Promise<unknown>,
): Promise<{ code: string; httpStatus: number; problem: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    const data = (error as { data?: { code: string; httpStatus: number; problem: Record<string, unknown> } })
      .data;
    if (data) return data;
    throw error;
  }
  throw new Error("the call succeeded, a failure was expected");
}

export async function makeKey(
  db: Database,
  role: ApiKeyRole,
  studentId?: number,
): Promise<{ id: number; token: string }> {
  const { apiKey, token } = await createApiKey(db, {
    role,
    ...(studentId === undefined ? {} : { studentId }),
    name: `${role} test key`,
  });
  return { id: apiKey.id, token };
}

/** Another replica of the app on its own port, over a database that exists already. */
export async function serveReplica(
  options: AppOptions,
): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const app = createApp(options);
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      (server as Server).closeAllConnections();
      await closed;
    },
  };
}
