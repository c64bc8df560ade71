import {
  ONEROSTER_VIEW_PREFIX,
  OneRosterViewError,
  RequestProblem,
  type ViewCollection,
  type ViewContext,
  type ViewPage,
  type ViewQueryParameters,
  viewCollection,
  viewRecord,
} from "@registrar/core";
import type { Database, OneRosterSchool } from "@registrar/db";
import { type Context, Hono } from "hono";
import type { Logger } from "pino";
import type { SecurityVariables } from "../security/index.ts";
import { imsxStatusResponse } from "./view-errors.ts";

type ViewEnv = { Variables: SecurityVariables };

const queryParameterNames = ["limit", "offset", "sort", "orderBy", "filter", "fields"] as const;

function queryParameters(c: Context): ViewQueryParameters {
  const parameters: ViewQueryParameters = {};
  for (const name of queryParameterNames) {
    const value = c.req.query(name);
    if (value !== undefined) parameters[name] = value;
  }
  return parameters;
}

/** `Link` with first, prev, next and last (RFC 8288), each the request's URL at another offset. */
function linkHeader(url: URL, page: ViewPage): string {
  const at = (offset: number) => {
    const target = new URL(url);
    target.searchParams.set("limit", String(page.limit));
    target.searchParams.set("offset", String(offset));
    return target.toString();
  };
  const lastOffset = page.total === 0 ? 0 : Math.floor((page.total - 1) / page.limit) * page.limit;
  const links = [`<${at(0)}>; rel="first"`];
  if (page.offset > 0) links.push(`<${at(Math.max(0, page.offset - page.limit))}>; rel="prev"`);
  if (page.offset + page.limit < page.total) links.push(`<${at(page.offset + page.limit)}>; rel="next"`);
  links.push(`<${at(lastOffset)}>; rel="last"`);
  return links.join(", ");
}

function pageResponse(c: Context, page: ViewPage): Response {
  return c.json(page.body, 200, {
    "X-Total-Count": String(page.total),
    Link: linkHeader(new URL(c.req.url), page),
  });
}

/**
 * The read-only OneRoster 1.2 rostering view, mounted at {@link ONEROSTER_VIEW_PREFIX}: 1EdTech's
 * paths, wrappers and query parameters (its OpenAPI document is the reference; ours does not
 * repeat it). Reader, registrar and admin keys (or their OAuth tokens) may read; a student
 * key may not (403). Every error is rendered by {@link imsxStatusResponse}.
 */
export function oneRosterViewApp(db: Database, school: OneRosterSchool, logger?: Logger): Hono<ViewEnv> {
  const app = new Hono<ViewEnv>();
  const contextOf = (c: Context): ViewContext => ({
    db,
    school,
    baseUrl: `${new URL(c.req.url).origin}${ONEROSTER_VIEW_PREFIX}`,
  });

  app.use("*", async (c, next) => {
    if (c.get("principal")?.role === "student") {
      throw new OneRosterViewError("forbidden", 403, "A student key may not read the OneRoster view.");
    }
    return next();
  });

  const collections: ViewCollection[] = [
    "academicSessions",
    "terms",
    "classes",
    "courses",
    "enrollments",
    "orgs",
    "schools",
    "users",
    "students",
  ];
  for (const collection of collections) {
    app.get(`/${collection}`, async (c) =>
      pageResponse(c, await viewCollection(contextOf(c), collection, queryParameters(c))),
    );
    app.get(`/${collection}/:sourcedId`, async (c) =>
      c.json(await viewRecord(contextOf(c), collection, c.req.param("sourcedId"), queryParameters(c))),
    );
  }
  app.get("/classes/:sourcedId/students", async (c) =>
    pageResponse(
      c,
      await viewCollection(contextOf(c), "users", queryParameters(c), {
        in: "class",
        sourcedId: c.req.param("sourcedId"),
      }),
    ),
  );
  app.get("/students/:sourcedId/classes", async (c) =>
    pageResponse(
      c,
      await viewCollection(contextOf(c), "classes", queryParameters(c), {
        in: "user",
        sourcedId: c.req.param("sourcedId"),
      }),
    ),
  );
  app.all("*", (c) => {
    if (c.req.method !== "GET" && c.req.method !== "HEAD") {
      throw new RequestProblem("method_not_allowed", "The OneRoster view is read-only: use GET.", {
        allow: "GET, HEAD",
      });
    }
    throw new OneRosterViewError("unknownobject", 404, "There is no OneRoster resource at this path.");
  });

  app.onError((error, c) => {
    const response = imsxStatusResponse(error);
    if (response.status >= 500) {
      logger?.error(
        { err: error, requestId: c.get("requestId"), path: c.req.path },
        "OneRoster view request failed",
      );
    }
    return response;
  });
  return app;
}
