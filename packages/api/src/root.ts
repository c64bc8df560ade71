import { courseOperations } from "./operations/courses.ts";
import type { AnyOperation } from "./operations/define-operation.ts";
import { enrollmentOperations } from "./operations/enrollments.ts";
import { eventOperations } from "./operations/events.ts";
import { keyOperations } from "./operations/keys.ts";
import { studentOperations } from "./operations/students.ts";
import { termOperations } from "./operations/terms.ts";
import { webhookOperations } from "./operations/webhooks.ts";
import { router, routerOf } from "./trpc.ts";

/** Every operation, by resource: what the tRPC router serves and the REST routes bind. */
export const operationsByResource = {
  students: studentOperations,
  courses: courseOperations,
  terms: termOperations,
  enrollments: enrollmentOperations,
  keys: keyOperations,
  events: eventOperations,
  webhooks: webhookOperations,
};

export const appRouter = router({
  students: routerOf("students", studentOperations),
  courses: routerOf("courses", courseOperations),
  terms: routerOf("terms", termOperations),
  enrollments: routerOf("enrollments", enrollmentOperations),
  keys: routerOf("keys", keyOperations),
  events: routerOf("events", eventOperations),
  webhooks: routerOf("webhooks", webhookOperations),
});

/** The router's type: clients import it with `import type` only. */
export type AppRouter = typeof appRouter;

export const allOperations: AnyOperation[] = Object.values(operationsByResource).flatMap(
  (operations): AnyOperation[] => Object.values(operations),
);

/** Every procedure's path (`students.byId`), as the router serves them. */
export const procedureNames: ReadonlySet<string> = new Set(allOperations.map((operation) => operation.name));
