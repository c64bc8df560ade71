/** What names a course: its name, and the code and term that tell two "Algebra"s apart. */
export type NamedCourse = { id: number; name: string; code: string | null; termId: number | null };

/**
 * "Algebra (ALG-1, Fall 2026)", "Algebra (ALG-1)", "Algebra (Fall 2026)" or "Algebra": how a
 * course is named wherever it is named, so that two courses of one name can be told apart.
 */
export function courseLabel(
  course: NamedCourse,
  termName: (termId: number | null) => string | undefined,
): string {
  const parts = [course.code, termName(course.termId)].filter((part): part is string => Boolean(part));
  return parts.length === 0 ? course.name : `${course.name} (${parts.join(", ")})`;
}
