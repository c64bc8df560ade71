import { MAX_PAGE_SIZE, type RouterOutputs } from "@registrar/sdk";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useParams } from "react-router";
import { seatsLeftText } from "../components/capacity-bar.tsx";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { DetailLoadError } from "../components/detail-load-error.tsx";
import { ErrorMessage } from "../components/error-message.tsx";
import { formatDateTime } from "../dates.ts";
import { useLoadAllPages } from "../load-all-pages.ts";
import { pagedQueryOptions } from "../paged-query.ts";
import { parseRouteId } from "../route-ids.ts";
import { useTRPC, useTRPCClient } from "../trpc.ts";
import { NotFoundPage } from "./not-found-page.tsx";

type Student = RouterOutputs["students"]["byId"];
type Course = RouterOutputs["courses"]["byId"];
type EnrolledCourse = RouterOutputs["enrollments"]["list"]["courses"][number];

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
      limit: MAX_PAGE_SIZE,
    }),
  );
  useLoadAllPages(enrolled);

  if (student.isPending) return <p className="muted">Loading student…</p>;
  if (student.isError) {
    return (
      <DetailLoadError
        heading="Student"
        error={student.error}
        backTo="/students"
        backLabel="Back to all students"
      />
    );
  }
  const courses = enrolled.data?.pages.flatMap((page) => page.courses) ?? [];
  return (
    <section aria-labelledby="student-title">
      <p className="breadcrumb">
        <Link to="/students">Students</Link> / {student.data.name}
      </p>
      <h1 id="student-title">{student.data.name}</h1>
      <p className="muted">
        {student.data.email} · added {formatDateTime(student.data.createdAt)}
      </p>

      <EnrolledCourses
        student={student.data}
        courses={courses}
        loading={enrolled.isPending}
        error={enrolled.error}
      />
      <AddCourses
        studentId={studentId}
        enrolledIds={new Set(courses.map((course) => course.id))}
        ready={enrolled.isSuccess && !enrolled.hasNextPage}
      />
    </section>
  );
}

function EnrolledCourses({
  student,
  courses,
  loading,
  error,
}: {
  student: Student;
  courses: EnrolledCourse[];
  loading: boolean;
  error: unknown;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshAfterEnrollmentChange();
  const [removing, setRemoving] = useState<EnrolledCourse>();
  const remove = useMutation(
    trpc.enrollments.remove.mutationOptions({
      onSuccess: async () => {
        setRemoving(undefined);
        await refresh();
      },
      // enrollment_not_found: someone else removed it; the list is stale either way.
      onError: () => refresh(),
    }),
  );

  return (
    <section aria-labelledby="enrolled-title" className="card">
      <h2 id="enrolled-title">Enrolled courses</h2>
      {loading && <p className="muted">Loading courses…</p>}
      <ErrorMessage error={error} />
      {!loading && courses.length === 0 && <p className="muted">Not enrolled in any course yet.</p>}
      {courses.length > 0 && (
        <table>
          <caption className="visually-hidden">Courses {student.name} is enrolled in</caption>
          <thead>
            <tr>
              <th scope="col">Course</th>
              <th scope="col">Level</th>
              <th scope="col">Enrolled</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {courses.map((course) => (
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
          onCancel={() => setRemoving(undefined)}
          onConfirm={() => remove.mutate({ studentId: student.id, courseId: removing.id })}
        >
          <p>
            Remove {student.name} from <strong>{removing.name}</strong>? Their seat goes back to the course.
          </p>
          <ErrorMessage error={remove.error} />
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
  const allCourses = useInfiniteQuery(
    pagedQueryOptions(trpc.courses.list.queryKey, client.courses.list.query, { limit: MAX_PAGE_SIZE }),
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
    setDone(undefined);
    assign.mutate({ studentId, courseIds: chosen.map((course) => course.id) });
  };

  return (
    <form className="card" onSubmit={submit} aria-labelledby="add-courses-title">
      <h2 id="add-courses-title">Add courses</h2>
      {(allCourses.isPending || !ready) && <p className="muted">Loading courses…</p>}
      <ErrorMessage error={allCourses.error} />
      {allCourses.isSuccess && ready && choices.length === 0 && (
        <p className="muted">
          No other courses to add. <Link to="/courses">Create a course</Link>.
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
        <button type="submit" className="primary" disabled={chosen.length === 0 || assign.isPending}>
          {assign.isPending
            ? "Enrolling…"
            : chosen.length === 0
              ? "Enroll"
              : `Enroll in ${chosen.length} course${chosen.length === 1 ? "" : "s"}`}
        </button>
      </div>
      <ErrorMessage error={assign.error} context={{ courseName: (id) => byId.get(id)?.name }} />
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
    </form>
  );
}
