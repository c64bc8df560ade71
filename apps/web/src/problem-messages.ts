import { type RegistrarError, toRegistrarError } from "@registrar/sdk";

/** What the page knows that the problem alone does not: names for the ids it mentions. */
export type ErrorContext = {
  courseName?: (courseId: number) => string | undefined;
};

export type ErrorDescription = {
  /** The problem's stable code (or the SDK's network_error / unexpected_response). */
  code: RegistrarError["code"];
  /** One sentence in plain words. */
  message: string;
  /** Field-level faults (validation_failed), already worded for people. */
  details: string[];
};

function listOfCourses(ids: number[] | undefined, context: ErrorContext): string | undefined {
  if (!ids || ids.length === 0) return undefined;
  const names = ids.map((id) => context.courseName?.(id) ?? `course #${id}`);
  if (names.length === 1) return names[0];
  return `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

function messageFor(error: RegistrarError, context: ErrorContext): string {
  const problem = error.problem;
  switch (error.code) {
    case "validation_failed":
      return "Some of what you entered is not valid.";
    case "email_taken":
      return "Another student already uses this email address.";
    case "course_full": {
      const courses = listOfCourses(problem.fullCourseIds, context);
      if (!courses) return "A chosen course has no seats left. Nothing was changed.";
      const verb = (problem.fullCourseIds?.length ?? 0) > 1 ? "have" : "has";
      return `${courses} ${verb} no seats left. Nothing was changed.`;
    }
    case "course_not_found": {
      const courses = listOfCourses(problem.missingCourseIds, context);
      return courses
        ? `${courses} no longer exists. Nothing was changed.`
        : "This course does not exist; it may have been deleted.";
    }
    case "student_not_found":
      return "This student does not exist; they may have been deleted.";
    case "enrollment_not_found":
      return "The student was no longer enrolled in that course.";
    case "term_in_use":
      return "This term is still the term of a course (or the parent of another term), so it was not deleted. Give those courses another term, or none, first.";
    case "term_not_found":
      return "The chosen term does not exist any more; it may have been deleted. Choose another.";
    case "invalid_transition":
      return "That change is not possible from the enrollment's current status; the list has been refreshed.";
    case "waitlist_below_count":
      return "The waitlist cannot be made shorter than the number of students already on it.";
    case "sourced_id_taken":
      return "Another record already uses this external id.";
    case "capacity_below_enrolled":
      return "The capacity cannot be lower than the number of students already enrolled.";
    case "webhook_url_forbidden":
      return "Registrar does not send webhooks to this address: its host is (or resolves to) a loopback, private or link-local address. Use a public address; a server on a closed network can be started with WEBHOOK_ALLOW_PRIVATE_NETWORKS=true.";
    case "webhook_not_found":
      return "This webhook does not exist; it may have been deleted.";
    case "unauthorized":
      return "This server needs an API key, and none (or an unknown one) was sent.";
    case "forbidden":
      return "The API key in use is not allowed to do this.";
    case "rate_limited":
      return "Too many requests in a short time. Wait a moment and try again.";
    case "service_unavailable":
      return "The database cannot be reached right now. Try again in a minute.";
    case "network_error":
      return "The Registrar server cannot be reached. Check your connection and try again.";
    case "internal_error":
      return "Something went wrong on our side. It has been logged; please try again.";
    default:
      return problem.detail || "Something went wrong. Please try again.";
  }
}

/** Turns any failed call into words for people, from the problem's stable `code`. */
export function describeError(error: unknown, context: ErrorContext = {}): ErrorDescription {
  const registrarError = toRegistrarError(error);
  const details =
    registrarError.code === "validation_failed"
      ? (registrarError.problem.errors ?? []).map((issue) =>
          issue.path ? `${fieldLabel(issue.path)} ${issue.message}.` : `${issue.message}.`,
        )
      : [];
  return { code: registrarError.code, message: messageFor(registrarError, context), details };
}

/** `email` → `Email`, `courseIds.0` → `Course ids 0`, `url` → `URL` (tRPC paths are camelCase). */
function fieldLabel(path: string): string {
  const words = path
    .replace(/[._/]+/g, " ")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .trim()
    // an abbreviation is read letter by letter, and written so
    .replace(/\burl\b/g, "URL");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/**
 * Whether the same call may succeed if made again: the server was out of reach, busy or
 * failing. A missing record, a refused key or invalid input answers the same every time.
 */
export function retryMayHelp(error: unknown): boolean {
  const { code, status } = toRegistrarError(error);
  return status === 0 || status >= 500 || code === "rate_limited" || code === "unexpected_response";
}

/**
 * The input fields a failed submission blames, by their tRPC names (`email`, `capacity`):
 * the fields a form marks invalid and moves focus to. `email_taken` blames the email,
 * `webhook_url_forbidden` the webhook's URL.
 */
export function fieldsInError(error: unknown): string[] {
  const registrarError = toRegistrarError(error);
  if (registrarError.code === "email_taken") return ["email"];
  if (registrarError.code === "webhook_url_forbidden") return ["url"];
  if (registrarError.code !== "validation_failed") return [];
  const fields = (registrarError.problem.errors ?? []).map((issue) => issue.path.split(/[./]/)[0] ?? "");
  return [...new Set(fields.filter(Boolean))];
}
