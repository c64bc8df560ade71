/** Pieces of the sentences the CLI prints, so that every command says things the same way. */

/** `1 seat`, `30 seats`. */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : plural}`;
}

/** What names a course for people: its code and name, and its term's name when it has one. */
export type CourseNaming = { name: string; code?: string | null; termName?: string | null };

/** `DRA-101 Drama`, or `Drama` for a course without a code. */
export function courseTitle(course: CourseNaming): string {
  return course.code ? `${course.code} ${course.name}` : course.name;
}

/**
 * A course named in a sentence: `DRA-101 Drama (Fall 2026, course 3)`, `Algebra (course 1)`,
 * or `course 3` when nothing more is known; `detail` joins the parentheses (`position 2`).
 * Two courses called "Algebra" are told apart by code and term, and the id is always there
 * for the next command.
 */
export function courseLabel(id: number | string, course?: CourseNaming | null, detail?: string): string {
  const after = detail ? `, ${detail}` : "";
  if (!course) return detail ? `course ${id} (${detail})` : `course ${id}`;
  const term = course.termName ? `${course.termName}, ` : "";
  return `${courseTitle(course)} (${term}course ${id}${after})`;
}

/** `1 seat`, `unlimited seats`. */
export function seatsPhrase(capacity: number | null): string {
  return capacity === null ? "unlimited seats" : counted(capacity, "seat");
}

/** `no waitlist`, `1 waitlist place`, `10 waitlist places`. */
export function waitlistPhrase(waitlistCapacity: number): string {
  return waitlistCapacity === 0 ? "no waitlist" : counted(waitlistCapacity, "waitlist place");
}

/** `a`, `a and b`, `a, b and c`. */
export function listed(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

/** The first letter made upper case: messages are sentences. */
export function sentence(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}
