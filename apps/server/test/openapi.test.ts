import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.close();
});

type OpenApi = {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, unknown>; parameters?: unknown[] }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
};

describe("/openapi.json and /docs", () => {
  it("describes every REST route of the contract in OpenAPI 3.1", async () => {
    const response = await fetch(`${server.baseUrl}/openapi.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as OpenApi;
    expect(document.openapi).toMatch(/^3\.1\./);
    const operations = Object.entries(document.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(operations.sort()).toEqual(
      [
        "POST /webhooks",
        "GET /webhooks",
        "GET /webhooks/{id}",
        "DELETE /webhooks/{id}",
        "GET /webhooks/{id}/deliveries",
        "POST /webhooks/{id}/replay",
        "POST /students",
        "GET /students",
        "GET /students/{id}",
        "PATCH /students/{id}",
        "DELETE /students/{id}",
        "POST /courses",
        "GET /courses",
        "GET /courses/{id}",
        "PATCH /courses/{id}",
        "DELETE /courses/{id}",
        "POST /students/{id}/courses",
        "PUT /students/{id}/courses",
        "GET /students/{id}/courses",
        "DELETE /students/{id}/courses/{course_id}",
        "GET /courses/{id}/students",
        "POST /terms",
        "GET /terms",
        "GET /terms/{id}",
        "PATCH /terms/{id}",
        "DELETE /terms/{id}",
        "PATCH /students/{id}/courses/{course_id}",
        "GET /students/{id}/courses/{course_id}/history",
        "GET /students/{id}/history",
        "GET /courses/{id}/history",
        "GET /events",
        "POST /oneroster/imports",
        "GET /health/live",
        "GET /health/ready",
        "GET /openapi.json",
        "GET /docs",
        "GET /oneroster/export",
        "POST /ims/oneroster/oauth/token",
      ].sort(),
    );
  });

  it("uses the wire's snake_case names and documents the problems", async () => {
    const document = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as OpenApi;
    const course = document.components.schemas.Course;
    expect(Object.keys(course?.properties ?? {})).toEqual(
      expect.arrayContaining(["enrolled_count", "created_at", "updated_at", "capacity"]),
    );
    expect(course?.required).toContain("enrolled_count");
    expect(Object.keys(document.components.schemas.EnrolledCourse?.properties ?? {})).toContain(
      "enrolled_at",
    );
    const assign = document.paths["/students/{id}/courses"]?.post;
    expect(Object.keys(assign?.responses ?? {})).toEqual(
      expect.arrayContaining(["200", "201", "400", "404", "409", "422"]),
    );
    expect(document.components.schemas.Problem).toBeDefined();
  });

  it("declares each tag once, and every tag an operation names", async () => {
    const document = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as {
      tags: Array<{ name: string }>;
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    const names = document.tags.map((tag) => tag.name);
    expect(names.length).toBe(new Set(names).size);
    const used = Object.values(document.paths).flatMap((item) =>
      Object.values(item).flatMap((operation) => operation.tags ?? []),
    );
    expect(new Set(used)).toEqual(new Set(used.filter((tag) => names.includes(tag))));
  });

  it("documents course_not_found with the status each route answers it with", async () => {
    const document = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as OpenApi;
    const described = (responses: Record<string, unknown> | undefined, status: string) =>
      JSON.stringify(responses?.[status] ?? null);
    // ids named in an assignment's body: 422; the course of the path of a PATCH: 404
    const assign = document.paths["/students/{id}/courses"]?.post?.responses;
    expect(described(assign, "422")).toContain("course_not_found");
    const patch = document.paths["/courses/{id}"]?.patch?.responses;
    expect(described(patch, "404")).toContain("course_not_found");
    // v1.1: a PATCH naming a missing term, or reusing an Idempotency-Key, is a 422; the path's
    // course is never one
    expect(described(patch, "422")).not.toContain("course_not_found");
    expect(described(patch, "422")).toContain("term_not_found");
  });

  it("serves an interactive reference page whose assets load from this server", async () => {
    const page = await fetch(`${server.baseUrl}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    const html = await page.text();
    const scripts: string[] = [];
    for (const asset of html.matchAll(/(?:src|href)="(\/docs\/[^"]+)"/g)) {
      const response = await fetch(`${server.baseUrl}${asset[1]}`);
      expect(response.status, asset[1]).toBe(200);
      scripts.push(await response.text());
    }
    expect(scripts.length).toBeGreaterThanOrEqual(3);
    expect(scripts.some((script) => script.includes('"/openapi.json"'))).toBe(true);
  });

  it("serves the web UI at / and under /app/ only", async () => {
    for (const path of ["/", "/app", "/app/students", "/app/students/12"]) {
      const response = await fetch(`${server.baseUrl}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/text\/html/);
    }
    const unknown = await fetch(`${server.baseUrl}/studentz`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toBe("application/problem+json");
  });

  it("gives every HTML page a Content-Security-Policy that allows nothing inline but what it hashes", async () => {
    for (const path of ["/", "/app", "/app/students/12", "/docs"]) {
      const response = await fetch(`${server.baseUrl}${path}`);
      const policy = response.headers.get("content-security-policy") ?? "";
      const directives = new Map(
        policy.split(";").map((directive) => {
          const [name = "", ...sources] = directive.trim().split(/\s+/);
          return [name, sources] as const;
        }),
      );
      expect(directives.get("default-src"), path).toEqual(["'none'"]);
      expect(directives.get("script-src"), path).toEqual(["'self'"]);
      expect(directives.get("connect-src"), path).toEqual(["'self'"]);
      expect(directives.get("frame-ancestors"), path).toEqual(["'none'"]);
      expect(directives.get("base-uri"), path).toEqual(["'none'"]);
      expect(policy, path).not.toMatch(/unsafe-(inline|eval)/);
      // Without a built UI, `/` is a placeholder whose one inline <style> the policy names by hash.
      const html = await response.text();
      expect(html, path).not.toMatch(/<script(?![^>]*\bsrc=)/);
      for (const [, style = ""] of html.matchAll(/<style>([^<]*)<\/style>/g)) {
        const hash = `'sha256-${createHash("sha256").update(style).digest("base64")}'`;
        expect(directives.get("style-src"), path).toContain(hash);
      }
    }
    // anything else (JSON, problems, assets) may load nothing at all
    for (const path of ["/openapi.json", "/docs/swagger-ui.css", "/nope"]) {
      const response = await fetch(`${server.baseUrl}${path}`);
      expect(response.headers.get("content-security-policy"), path).toBe(
        "default-src 'none'; frame-ancestors 'none'",
      );
    }
  });
});
