import { type AnyOperation, type AnyRestBinding, operationsByResource } from "@registrar/api";
import { operationRoute, type Route } from "../http/define-route.ts";
import { healthRoutes } from "./health.ts";
import { onerosterImportRoutes } from "./oneroster-imports.ts";

const servedOverRest = (operation: AnyOperation): operation is AnyOperation & { rest: AnyRestBinding } =>
  operation.rest !== undefined;

/** The routes of the operations that have a REST binding, in their declarations' order. */
function routesOf(operations: Record<string, AnyOperation>): Route[] {
  return Object.values(operations)
    .filter(servedOverRest)
    .flatMap((operation) => [
      operationRoute(operation),
      ...(operation.alsoRest ?? []).map((rest) => operationRoute({ ...operation, rest })),
    ]);
}

/** Every REST route, grouped by resource: what the app mounts and OpenAPI describes. */
export const restResources = {
  students: routesOf(operationsByResource.students),
  courses: routesOf(operationsByResource.courses),
  terms: routesOf(operationsByResource.terms),
  enrollments: routesOf(operationsByResource.enrollments),
  events: routesOf(operationsByResource.events),
  webhooks: routesOf(operationsByResource.webhooks),
  health: healthRoutes,
  onerosterImports: onerosterImportRoutes,
};

export const allRestRoutes = Object.values(restResources).flat();

/** The routes' `tag`s, in the order the reference shows them. */
export const restTags = [
  { name: "Students", description: "People who take courses; an email is unique, whatever its letter case." },
  {
    name: "Courses",
    description: "Courses with an optional capacity and waitlist, a code and a term, and their rosters.",
  },
  {
    name: "Terms",
    description: "Terms, semesters, school years and grading periods that courses belong to.",
  },
  {
    name: "Enrollments",
    description:
      "Which student takes which course. Assignments are atomic and never overfill a course, even under " +
      "concurrent sign-ups. An enrollment is active, waitlisted, dropped or completed, and every change of it " +
      "is kept in its history.",
  },
  {
    name: "Events",
    description:
      "The change feed: every change of a student, course, term or enrollment, recorded in the transaction " +
      "that made it, in commit order.",
  },
  {
    name: "OneRoster",
    description:
      "1EdTech OneRoster 1.1 and 1.2: CSV packages imported and exported, and the rostering REST view.",
  },
  {
    name: "Webhooks",
    description:
      "Admin only: subscriptions that receive events as signed POSTs (Standard Webhooks), at least once, in " +
      "event order per subscription, with retries; and the record of every delivery attempt.",
  },
  { name: "Health", description: "Liveness and readiness for load balancers: open and not rate limited." },
];
