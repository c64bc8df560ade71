import { RequestProblem } from "@registrar/core";
import type { Context } from "hono";
import type { Route } from "./define-route.ts";

/** A path the app serves outside the REST routes, with the method that serves it. */
export type ServedPath = [method: string, pattern: RegExp];

/** Methods that a path answers to, for 405 and its Allow header; HEAD wherever GET is. */
function allowedMethods(routes: Route[], extra: ServedPath[]): (path: string) => string[] {
  const patterns: ServedPath[] = [
    ...routes.map((route): ServedPath => {
      const regex = new RegExp(`^${route.path.replace(/\{\w+\}/g, "[^/]+")}$`);
      return [route.method.toUpperCase(), regex];
    }),
    ...extra,
  ];
  return (path) => {
    const methods = new Set(patterns.filter(([, regex]) => regex.test(path)).map(([method]) => method));
    if (methods.has("GET")) methods.add("HEAD");
    return [...methods].sort();
  };
}

/**
 * The answer when no route matched: 405 with `Allow` on a served path, else 404. Routes
 * match exactly, so `/students/` is not `/students`: a GET or HEAD of a served path with a
 * trailing slash is sent there (301), any other method gets a 404 that names the path
 * without the slash. (Never a 405 that lists the very method it refuses.) The redirect is
 * relative and only ever to a served path, so it can never point off this server
 * (`//evil.example/` is no served path).
 */
export function unmatchedPathHandler(routes: Route[], extra: ServedPath[]): (c: Context) => Response {
  const allowed = allowedMethods(routes, extra);
  return (c) => {
    const { path, method } = c.req;
    const methods = allowed(path);
    if (methods.length > 0) {
      throw new RequestProblem(
        "method_not_allowed",
        `${method} is not allowed here; use ${methods.join(", ")}.`,
        { allow: methods.join(", ") },
      );
    }
    const withoutSlash = path.replace(/\/+$/, "");
    if (withoutSlash !== path && withoutSlash !== "" && allowed(withoutSlash).length > 0) {
      if (method === "GET" || method === "HEAD") {
        const query = c.req.url.indexOf("?");
        // The decoded path can hold characters no header may carry (`/students/%00/`).
        const location = withoutSlash.replace(/[^\x21-\x7e]/gu, encodeURIComponent);
        return c.redirect(location + (query >= 0 ? c.req.url.slice(query) : ""), 301);
      }
      throw new RequestProblem(
        "not_found",
        `There is nothing at ${path}; did you mean ${withoutSlash}, without the trailing slash?`,
      );
    }
    throw new RequestProblem("not_found", `There is nothing at ${path}.`);
  };
}
