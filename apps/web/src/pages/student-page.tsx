import type { RouterOutputs } from "@registrar/sdk";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useRef, useState } from "react";
import { Link, useParams } from "react-router";
import { seatsLeftText } from "../components/capacity-bar.tsx";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { DetailLoadError } from "../components/detail-load-error.tsx";
import { ErrorMessage } from "../components/error-message.tsx";
import { type FailedLoad, isRetrying, LoadError } from "../components/load-error.tsx";
import { SortableHeader, sortDescription } from "../components/sortable-header.tsx";
import { formatDateTime } from "../dates.ts";
import { useDocumentTitle } from "../document-title.ts";
import { useLoadAllPages } from "../load-all-pages.ts";
import { pagedQueryOptions } from "../paged-query.ts";
import { describeError } from "../problem-messages.ts";
import { parseRouteId } from "../route-ids.ts";
import { type SortValue, useSortedRows } from "../table-sort.ts";
import { useTRPC, useTRPCClient } from "../trpc.ts";
import { NotFoundPage } from "./not-found-page.tsx";

type Student = RouterOutputs["students"]["byId"];
type Course = RouterOutputs["courses"]["byId"];
type EnrolledCourse = RouterOutputs["enrollments"]["list"]["courses"][number];
type EnrolledColumn = "name" | "level" | "enrolledAt";

// A student's courses are loaded whole (useLoadAllPages), so they sort in the browser.
const enrolledColumns: Record<EnrolledColumn, SortValue<EnrolledCourse>> = {
  name: (course) => course.name,
  level: (course) => course.level,
  enrolledAt: (course) => Date.parse(course.enrolledAt),
};
const columnLabels: Record<EnrolledColumn, string> = {
  name: "Course",
  level: "Level",
  enrolledAt: "Enrolled",
};

/** Enrollments change seat counts, so every course view is refreshed with them. */
function useRefreshAfterEnrollmentChange() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.enrollments.list.pathFilter()),
      queryClient.invalidateQueries(trpc.courses.pathFilter()),
    ]);
}

export function StudentPage() {
  const studentId = parseRouteId(useParams().studentId);
  if (studentId === undefined) return <NotFoundPage />;
  return <StudentDetails studentId={studentId} />;
}

function StudentDetails({ studentId }: { studentId: number }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const student = useQuery(trpc.students.byId.queryOptions({ id: studentId }));
  const enrolled = useInfiniteQuery(
    pagedQueryOptions(trpc.enrollments.list.queryKey, client.enrollments.list.query, {
      studentId,
      limit: 200,
    }),
  );
  useLoadAllPages(enrolled);
  const missing = student.isError && describeError(student.error).code === "student_not_found";
  useDocumentTitle(
    student.isSuccess
      ? `${student.data.name} (student ${studentId})`
      : missing
        ? "Student not found"
        : `Student ${studentId}`,
  );

  if (student.isError || isRetrying(student)) {
    return (
      <DetailLoadError
        heading={missing ? "Student not found" : `Student ${studentId} could not be loaded`}
        // the student's courses failed with it: a Retry fetches both
        load={{
          error: student.error,
          isPending: student.isPending,
          isFetching: student.isFetching,
          errorUpdateCount: student.errorUpdateCount,
          refetch: async () => (await Promise.all([student.refetch(), enrolled.refetch()]))[0],
        }}
        what="the student"
        backTo="/students"
        backLabel="Back to all students"
      />
    );
  }
  if (student.isPending) return <p className="muted">Loading student…</p>;
  const courses = enrolled.data?.pages.flatMap((page) => page.courses) ?? [];
  const loadedWhole = enrolled.isSuccess && !enrolled.hasNextPage;
  return (
    <section aria-labelledby="student-title">
      <p className="breadcrumb">
        <Link to="/students">Students</Link> / {student.data.name}
      </p>
      <h1 id="student-title">{student.data.name}</h1>
      <p className="muted">
        {student.data.email} · added {formatDateTime(student.data.createdAt)}
      </p>

      <EnrolledCourses student={student.data} courses={courses} loadedWhole={loadedWhole} load={enrolled} />
      <AddCourses
        studentId={studentId}
        enrolledIds={new Set(courses.map((course) => course.id))}
        ready={loadedWhole}
      />
    </section>
  );
}

function EnrolledCourses({
  student,
  courses,
  loadedWhole,
  load,
}: {
  student: Student;
  courses: EnrolledCourse[];
  loadedWhole: boolean;
  load: FailedLoad;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshAfterEnrollmentChange();
  const heading = useRef<HTMLHeadingElement>(null);
  const removeErrorId = useId();
  const [removing, setRemoving] = useState<EnrolledCourse>();
  const [removed, setRemoved] = useState<string>();
  const { sorted, sort, setSort } = useSortedRows(courses, enrolledColumns, {
    key: "name",
    direction: "ascending",
  });
  const remove = useMutation(
    trpc.enrollments.remove.mutationOptions({
      onSuccess: async (_, { courseId }) => {
        const name = courses.find((course) => course.id === courseId)?.name ?? `course #${courseId}`;
        setRemoving(undefined);
        await refresh();
        // said once the list shows it; the row (and its Remove button, where the focus was)
        // is gone, so the focus starts again from the list's heading
        setRemoved(`Removed from ${name}.`);
        heading.current?.focus();
      },
      // enrollment_not_found: someone else removed it; the list is stale either way.
      onError: () => refresh(),
    }),
  );

  return (
    <section aria-labelledby="enrolled-title" className="card">
      <h2 id="enrolled-title" ref={heading} tabIndex={-1}>
        Enrolled courses
      </h2>
      {!loadedWhole && !load.error && !isRetrying(load) && <p className="muted">Loading courses…</p>}
      <LoadError load={load} what="their courses" />
      {removed && (
        <p role="status" className="success">
          {removed}
        </p>
      )}
      {loadedWhole && courses.length === 0 && (
        <p className="empty-state">
          Not enrolled in any course yet. To enroll {student.name}, tick courses under “Add courses” below and
          press Enroll.
        </p>
      )}
      {loadedWhole && courses.length > 0 && (
        <table>
          <caption className="visually-hidden">
            Courses {student.name} is enrolled in, {sortDescription(columnLabels[sort.key], sort.direction)}
          </caption>
          <thead>
            <tr>
              {(["name", "level", "enrolledAt"] as const).map((key) => (
                <SortableHeader key={key} sortKey={key} sort={sort} onSort={setSort}>
                  {columnLabels[key]}
                </SortableHeader>
              ))}
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((course) => (
              <tr key={course.id}>
                <td>
                  <Link to={`/courses/${course.id}`}>{course.name}</Link>
                </td>
                <td>{course.level}</td>
                <td>{formatDateTime(course.enrolledAt)}</td>
                <td className="actions">
                  <button
                    type="button"
                    aria-label={`Remove ${course.name}`}
                    onClick={() => {
                      remove.reset();
                      setRemoved(undefined);
                      setRemoving(course);
                    }}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {removing && (
        <ConfirmDialog
          title="Remove course?"
          confirmLabel="Remove course"
          busy={remove.isPending}
          confirmDescribedBy={remove.error ? removeErrorId : undefined}
          onCancel={() => setRemoving(undefined)}
          onConfirm={() => remove.mutate({ studentId: student.id, courseId: removing.id })}
        >
          <p>
            Remove {student.name} from <strong>{removing.name}</strong>? Their seat goes back to the course.
          </p>
          <ErrorMessage error={remove.error} id={removeErrorId} />
        </ConfirmDialog>
      )}
    </section>
  );
}

function AddCourses({
  studentId,
  enrolledIds,
  ready,
}: {
  studentId: number;
  enrolledIds: ReadonlySet<number>;
  ready: boolean;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const refresh = useRefreshAfterEnrollmentChange();
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [done, setDone] = useState<string>();
  const errorId = useId();
  const allCourses = useInfiniteQuery(
    pagedQueryOptions(trpc.courses.list.queryKey, client.courses.list.query, { limit: 200 }),
  );
  useLoadAllPages(allCourses);
  const courses = allCourses.data?.pages.flatMap((page) => page.courses) ?? [];
  const byId = new Map(courses.map((course) => [course.id, course]));
  const choices = courses.filter((course) => !enrolledIds.has(course.id));
  const isFull = (course: Course) => course.capacity !== null && course.enrolledCount >= course.capacity;
  // A course that filled up since it was ticked drops out of the selection.
  const chosen = choices.filter((course) => selected.has(course.id) && !isFull(course));

  const assign = useMutation(
    trpc.enrollments.assign.mutationOptions({
      onSuccess: async (result) => {
        const names = result.enrolled.map((id) => byId.get(id)?.name ?? `course #${id}`);
        setDone(names.length > 0 ? `Enrolled in ${names.join(", ")}.` : "Already enrolled in those courses.");
        setSelected(new Set());
        await refresh();
      },
      // course_full and course_not_found mean the seat counts shown are stale.
      onError: () => refresh(),
    }),
  );

  const toggle = (courseId: number, checked: boolean) => {
    setDone(undefined);
    setSelected((previous) => {
      const next = new Set(previous);
      if (checked) next.add(courseId);
      else next.delete(courseId);
      return next;
    });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (chosen.length === 0 || assign.isPending) return;
    setDone(undefined);
    assign.mutate({ studentId, courseIds: chosen.map((course) => course.id) });
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby="add-courses-title">
      <h2 id="add-courses-title">Add courses</h2>
      {(allCourses.isPending || !ready) && !allCourses.isError && !isRetrying(allCourses) && (
        <p className="muted">Loading courses…</p>
      )}
      <LoadError load={allCourses} what="the courses to choose from" />
      {allCourses.isSuccess && ready && courses.length === 0 && (
        <p className="empty-state">
          There are no courses yet. <Link to="/courses">Create a course</Link> first, then come back here to
          enroll.
        </p>
      )}
      {allCourses.isSuccess && ready && courses.length > 0 && choices.length === 0 && (
        <p className="empty-state">
          Enrolled in every course there is. <Link to="/courses">Create a course</Link> to offer another.
        </p>
      )}
      {ready && choices.length > 0 && (
        <fieldset className="course-picker">
          <legend>Choose courses (full courses cannot be chosen)</legend>
          <ul>
            {choices.map((course) => {
              const full = isFull(course);
              return (
                <li key={course.id} className={full ? "full" : undefined}>
                  <label>
                    <input
                      type="checkbox"
                      checked={!full && selected.has(course.id)}
                      disabled={full || assign.isPending}
                      onChange={(event) => toggle(course.id, event.target.checked)}
                    />
                    <span className="course-name">{course.name}</span>
                    <span className="muted"> · {course.level}</span>
                    <span className={`seats ${full ? "seats-full" : ""}`}>
                      {" "}
                      ({seatsLeftText(course.enrolledCount, course.capacity)})
                    </span>
                  </label>
                </li>
              );
            })}
          </ul>
        </fieldset>
      )}
      <div className="form-actions">
        {/* aria-disabled, not disabled: when a refused course drops out of the choice, the
            button keeps the focus, and the message right below it says why */}
        <button
          type="submit"
          className="primary"
          aria-disabled={chosen.length === 0 || assign.isPending}
          aria-describedby={assign.error ? errorId : undefined}
        >
          {assign.isPending
            ? "Enrolling…"
            : chosen.length === 0
              ? "Enroll"
              : `Enroll in ${chosen.length} course${chosen.length === 1 ? "" : "s"}`}
        </button>
      </div>
      <ErrorMessage error={assign.error} id={errorId} context={{ courseName: (id) => byId.get(id)?.name }} />
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
    </form>
  );
}
