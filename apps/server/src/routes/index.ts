import { courseRoutes } from "./courses.ts";
import { enrollmentRoutes } from "./enrollments.ts";
import { healthRoutes } from "./health.ts";
import { studentRoutes } from "./students.ts";

/** Every REST route, grouped by resource: what the app mounts and OpenAPI describes. */
export const restResources = {
  students: studentRoutes,
  courses: courseRoutes,
  enrollments: enrollmentRoutes,
  health: healthRoutes,
};

export const allRestRoutes = Object.values(restResources).flat();
