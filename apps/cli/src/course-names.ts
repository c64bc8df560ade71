import type { RegistrarTrpcClient } from "@registrar/sdk";
import { type CourseNaming, courseLabel } from "./phrases.ts";

/** What the CLI needs of a course to name it; every course the API answers has these. */
export type NameableCourse = { id: number; name: string; code: string | null; termId: number | null };

/**
 * The names of terms by id: one `terms.byId` each, made in the same tick so that the tRPC
 * client sends them batched (one HTTP request). A term that cannot be read stays unnamed:
 * naming is for the reader, never a reason for a command to fail.
 */
export async function termNames(
  trpc: RegistrarTrpcClient,
  termIds: ReadonlyArray<number | null>,
): Promise<Map<number, string>> {
  const ids = [...new Set(termIds.filter((id) => id !== null))];
  const named = await Promise.all(
    ids.map((id) =>
      trpc.terms.byId.query({ id }).then(
        (term): [number, string] => [id, term.name],
        () => undefined,
      ),
    ),
  );
  return new Map(named.filter((entry) => entry !== undefined));
}

/** Names courses with their term's name, looked up once for all of them. */
export type CourseNamer = {
  naming: (course: NameableCourse) => CourseNaming;
  label: (course: NameableCourse, detail?: string) => string;
  termName: (termId: number | null) => string | null;
};

export async function courseNamer(
  trpc: RegistrarTrpcClient,
  courses: readonly NameableCourse[],
): Promise<CourseNamer> {
  const terms = await termNames(
    trpc,
    courses.map((course) => course.termId),
  );
  const termName = (termId: number | null) =>
    termId === null ? null : (terms.get(termId) ?? `term ${termId}`);
  const naming = (course: NameableCourse): CourseNaming => ({
    name: course.name,
    code: course.code,
    termName: termName(course.termId),
  });
  return { naming, termName, label: (course, detail) => courseLabel(course.id, naming(course), detail) };
}

/**
 * Courses by id with their names, for sentences about courses the command only knows by
 * id (an import's failed rows, a drop): one batched `courses.byId` each, then their terms.
 * A course that cannot be read is left out, and is named by its id alone.
 */
export async function coursesById(
  trpc: RegistrarTrpcClient,
  ids: readonly number[],
): Promise<Map<number, CourseNaming>> {
  const courses = (
    await Promise.all(
      [...new Set(ids)].map((id) =>
        trpc.courses.byId.query({ id }).then(
          (course) => course,
          () => undefined,
        ),
      ),
    )
  ).filter((course) => course !== undefined);
  const namer = await courseNamer(trpc, courses);
  return new Map(courses.map((course) => [course.id, namer.naming(course)]));
}
