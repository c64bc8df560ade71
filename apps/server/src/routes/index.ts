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

/** The routes' `tag`s, in the order the reference shows them. */
export const restTags = [
  { name: "Students", description: "People who take courses; an email is unique, whatever its letter case." },
  { name: "Courses", description: "Courses with an optional capacity, and their rosters." },
  {
    name: "Enrollments",
    description:
      "Which student takes which course. Assignments are atomic and never overfill a course, even under " +
      "concurrent sign-ups.",
  },
  { name: "Health", description: "Liveness and readiness for load balancers: open and not rate limited." },
];
