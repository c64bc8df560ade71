import { trpcServer } from "@hono/trpc-server";
import { appRouter, type Caller, retryAfterOf } from "@registrar/api";
import { MAX_REQUEST_BODY_BYTES } from "@registrar/contract";
import {
  isOneRosterViewPath,
  ONEROSTER_VIEW_PREFIX,
  problemFromError,
  RequestProblem,
} from "@registrar/core";
import type { Database, OneRosterSchool } from "@registrar/db";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Logger } from "pino";
import { accessLog } from "./http/access-log.ts";
import { earlyEnd } from "./http/client-abort.ts";
import type { Route, RouteServices } from "./http/define-route.ts";
import { type IdempotencyOptions, idempotencyKeeper } from "./http/idempotency.ts";
import { problemResponse } from "./http/problem-response.ts";
import { requestId } from "./http/request-id.ts";
import { unmatchedPathHandler } from "./http/unmatched-path.ts";
import { EXPORT_PATH, exportHandler } from "./oneroster/export-route.ts";
import { withOneRosterPaths } from "./oneroster/openapi.ts";
import { TOKEN_PATH, tokenHandler } from "./oneroster/token-route.ts";
import { oneRosterViewApp } from "./oneroster/view-app.ts";
import { imsxStatusResponse } from "./oneroster/view-errors.ts";
import { docsAssets, docsPage, docsPolicy } from "./openapi/docs-page.ts";
import { buildOpenApiDocument } from "./openapi/document.ts";
import { allRestRoutes, restResources, restTags } from "./routes/index.ts";
import {
  type SecurityOptions,
  type SecurityVariables,
  securityMiddleware,
  trpcContextFor,
  withSecurityScheme,
} from "./security/index.ts";
import { webUi } from "./web-ui.ts";

export type AppEnv = { Variables: SecurityVariables };

export type AppOptions = {
  db: Database;
  logger?: Logger;
  /** Folder of the built web UI; without it `/` serves a small placeholder page. */
  webDistDir?: string | undefined;
  /** Kept answers of `Idempotency-Key` requests; default: kept 24 h. */
  idempotency?: IdempotencyOptions;
  /** The school of the OneRoster export and view; default: "Registrar School", `registrar-school`. */
  school?: OneRosterSchool;
} & Pick<SecurityOptions, "auth" | "rateLimit" | "corsOrigins" | "trpcMaxBatchSize">;

/** The caller of a request the security middleware has seen. */
const callerOf = (c: Context<AppEnv>, db: Database): Caller => ({ db, principal: c.get("principal") });

/** A Hono sub-app for one resource's routes. */
function resourceApp(routes: Route[], db: Database, services: RouteServices): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  for (const route of routes) {
    app.on(route.method.toUpperCase(), route.honoPath, (c) => route.run(c, callerOf(c, db), services));
  }
  return app;
}

/**
 * The routes' access checks that need no input, before any body is read: a caller who may
 * never call a route is refused (403) whatever it sends, as before any of it is parsed.
 */
function admissionApp(routes: Route[], db: Database): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  for (const route of routes) {
    app.on(route.method.toUpperCase(), route.honoPath, async (c, next) => {
      await route.admit(callerOf(c, db));
      return next();
    });
  }
  return app;
}

export function createApp(options: AppOptions): Hono<AppEnv> {
  const { db, logger } = options;
  const app = new Hono<AppEnv>();

  app.use("*", requestId());
  if (logger) app.use("*", accessLog(logger));

  // Secure headers, CORS, auth and rate limits, in that order (see security/layers.ts).
  for (const layer of securityMiddleware(options)) app.use("*", layer);

  app.route("/", admissionApp(allRestRoutes, db));

  const limitBody = bodyLimit({
    maxSize: MAX_REQUEST_BODY_BYTES,
    onError: () => {
      throw new RequestProblem("payload_too_large", "The request body is over 1 MiB.");
    },
  });
  // GET and HEAD bodies are never read. bodyLimit looks at `c.req.raw.body`, which makes
  // @hono/node-server build a full WHATWG Request and AbortController for every request;
  // skipping it for reads saves that allocation (see bench/README.md for the measurement).
  // Routes with a raw body (a OneRoster zip) have a limit of their own instead: here on
  // Content-Length only, before anything is read; a body without one is capped as it is
  // read (define-route.ts), as bodyLimit would hold it whole to count it.
  const rawBodyLimits = new Map<string, MiddlewareHandler>(
    allRestRoutes.flatMap((route) => {
      const maxBytes = route.rawBody?.maxBytes;
      if (maxBytes === undefined) return [];
      const limit: MiddlewareHandler = (c, next) => {
        if (Number(c.req.header("content-length") ?? 0) > maxBytes) {
          throw new RequestProblem("payload_too_large", `The request body is over ${maxBytes} bytes.`);
        }
        return next();
      };
      return [[`${route.method.toUpperCase()} ${route.path}`, limit] as const];
    }),
  );
  app.use("*", (c, next) => {
    if (c.req.method === "GET" || c.req.method === "HEAD") return next();
    const rawLimit = rawBodyLimits.get(`${c.req.method} ${c.req.path}`);
    return rawLimit ? rawLimit(c, next) : limitBody(c, next);
  });

  // tRPC: same services, camelCase, errors shaped by the router's error formatter.
  app.use(
    "/trpc/*",
    trpcServer({
      router: appRouter,
      endpoint: "/trpc",
      createContext: (_options, c) => trpcContextFor(c, db),
      responseMeta: ({ errors }) => {
        const retryAfter = retryAfterOf(errors);
        return retryAfter === undefined ? {} : { headers: { "retry-after": String(retryAfter) } };
      },
      onError: ({ error, path, ctx }) => {
        if (error.code === "INTERNAL_SERVER_ERROR")
          logger?.error(
            { err: error.cause ?? error, path, requestId: ctx?.requestId },
            "tRPC procedure failed",
          );
      },
    }),
  );

  const services: RouteServices = {
    idempotency: idempotencyKeeper(options.idempotency ?? { ttlHours: 24 }),
  };
  for (const routes of Object.values(restResources)) app.route("/", resourceApp(routes, db, services));

  // OneRoster 1.2: the export, the OAuth token endpoint and the rostering view (errors as imsx_StatusInfo).
  const school = options.school ?? { name: "Registrar School", sourcedId: "registrar-school" };
  app.get(EXPORT_PATH, exportHandler(db, school, logger));
  app.post(TOKEN_PATH, tokenHandler(db, logger));
  app.route(ONEROSTER_VIEW_PREFIX, oneRosterViewApp(db, school, logger));

  // Built on first request, not at start: generating it is ~50 ms of a cold start.
  let openApiJson: string | undefined;
  app.get("/openapi.json", (c) => {
    openApiJson ??= JSON.stringify(
      withSecurityScheme(
        withOneRosterPaths(
          buildOpenApiDocument(
            allRestRoutes,
            {
              title: "Registrar API",
              version: "1.0.0",
              description:
                "Students, courses and the enrollments between them. Errors are RFC 9457 problem details " +
                "(`application/problem+json`) with a stable `code`. The same operations are served as tRPC at `/trpc`.",
              license: { name: "MIT", identifier: "MIT" },
            },
            restTags,
          ),
        ),
      ),
    );
    return c.body(openApiJson, 200, { "content-type": "application/json" });
  });
  app.get("/docs", (c) => c.html(docsPage, 200, { "content-security-policy": docsPolicy }));
  app.get("/docs/:asset", (c) => {
    const asset = docsAssets[c.req.param("asset")];
    if (!asset) throw new RequestProblem("not_found", "There is nothing at this path.");
    return c.body(asset.body(), 200, {
      "content-type": asset.type,
      "cache-control": "public, max-age=86400",
    });
  });

  const ui = webUi(options.webDistDir);
  app.get("/", (c) => ui.index(c));
  app.get("/app", (c) => ui.index(c));
  app.get("/app/*", (c) => ui.serve(c));

  app.notFound(
    unmatchedPathHandler(allRestRoutes, [
      ["GET", /^\/openapi\.json$/],
      ["GET", /^\/docs(\/[^/]+)?$/],
      ["GET", /^\/(app(\/.*)?)?$/],
      ["GET", /^\/oneroster\/export$/],
      ["POST", /^\/ims\/oneroster\/oauth\/token$/],
    ]),
  );

  // The one place where any error becomes a response.
  app.onError((error, c) => {
    // A client that hung up (or timed out) mid-body surfaces here as the body stream's
    // ECONNRESET: no fault of ours or of the database, and nobody is left to answer. The
    // access log records it (499 or 408), at info level.
    const ended = earlyEnd(c);
    if (ended && !ended.bodyComplete) return new Response(null, { status: ended.status });
    // The refusals of the security layers (401, 429) before the OneRoster view's own
    // sub-app: in its format.
    if (isOneRosterViewPath(c.req.path)) return imsxStatusResponse(error);
    const problem = problemFromError(error);
    const requestId = c.get("requestId");
    if (problem.status >= 500) {
      logger?.error({ err: error, requestId, method: c.req.method, path: c.req.path }, "request failed");
    }
    // The request-id middleware, outermost, sets X-Request-Id on this answer too.
    return problemResponse(problem, requestId);
  });

  return app;
}
