import { coursesRouter } from "./routers/courses.ts";
import { enrollmentsRouter } from "./routers/enrollments.ts";
import { keysRouter } from "./routers/keys.ts";
import { studentsRouter } from "./routers/students.ts";
import { router } from "./trpc.ts";

export const appRouter = router({
  students: studentsRouter,
  courses: coursesRouter,
  enrollments: enrollmentsRouter,
  keys: keysRouter,
});

/** The router's type: clients import it with `import type` only. */
export type AppRouter = typeof appRouter;
