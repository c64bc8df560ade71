import { MAX_PAGE_SIZE, type RouterOutputs } from "@registrar/sdk";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { CapacityBar } from "../components/capacity-bar.tsx";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { DetailLoadError } from "../components/detail-load-error.tsx";
import { ErrorMessage } from "../components/error-message.tsx";
import { isRetrying, LoadError } from "../components/load-error.tsx";
import { SortableHeader, sortDescription } from "../components/sortable-header.tsx";
import { courseLabel } from "../course-names.ts";
import { formatDateTime } from "../dates.ts";
import { useDocumentTitle } from "../document-title.ts";
import { useLoadAllPages } from "../load-all-pages.ts";
import { pagedQueryOptions } from "../paged-query.ts";
import { describeError } from "../problem-messages.ts";
import { parseRouteId } from "../route-ids.ts";
import { type SortValue, useSortedRows } from "../table-sort.ts";
import { useTerms } from "../terms.ts";
import { useTRPC, useTRPCClient } from "../trpc.ts";
import { CourseForm, waitlistText } from "./courses-page.tsx";
import { NotFoundPage } from "./not-found-page.tsx";

// The whole roster is loaded (it is sorted in the browser), in the largest pages the server gives.
const PAGE_SIZE = MAX_PAGE_SIZE;

type Course = RouterOutputs["courses"]["byId"];
type RosterStudent = RouterOutputs["courses"]["students"]["students"][number];
type RosterColumn = "name" | "email" | "enrolledAt" | "id";

const rosterColumns: Record<RosterColumn, SortValue<RosterStudent>> = {
  name: (student) => student.name,
  email: (student) => student.email,
  enrolledAt: (student) => Date.parse(student.enrolledAt),
  id: (student) => student.id,
};
const columnLabels: Record<RosterColumn, string> = {
  name: "Student",
  email: "Email",
  enrolledAt: "Enrolled",
  id: "ID",
};

export function RosterPage() {
  const courseId = parseRouteId(useParams().courseId);
  if (courseId === undefined) return <NotFoundPage />;
  return <Roster courseId={courseId} />;
}

function Roster({ courseId }: { courseId: number }) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const { nameOf } = useTerms();
  const course = useQuery(trpc.courses.byId.queryOptions({ id: courseId }));
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const deleteErrorId = useId();
  const remove = useMutation(
    trpc.courses.delete.mutationOptions({
      onSuccess: async () => {
        setDeleting(false);
        await Promise.all([
          queryClient.invalidateQueries(trpc.courses.list.pathFilter()),
          queryClient.invalidateQueries(trpc.enrollments.pathFilter()),
        ]);
        navigate("/courses");
      },
    }),
  );
  const missing = course.isError && describeError(course.error).code === "course_not_found";
  const label = course.isSuccess ? courseLabel(course.data, nameOf) : undefined;
  useDocumentTitle(
    label ? `${label} (course ${courseId})` : missing ? "Course not found" : `Course ${courseId}`,
  );

  if (course.isError || isRetrying(course)) {
    return (
      <DetailLoadError
        heading={missing ? "Course not found" : `Course ${courseId} could not be loaded`}
        load={course}
        what="the course"
        backTo="/courses"
        backLabel="Back to all courses"
      />
    );
  }
  if (course.isPending || label === undefined) return <p className="muted">Loading course…</p>;
  return (
    <section aria-labelledby="course-title">
      <p className="breadcrumb">
        <Link to="/courses">Courses</Link> / {label}
      </p>
      <h1 id="course-title">{label}</h1>
      <dl className="facts">
        <dt>Course ID</dt>
        <dd>{course.data.id}</dd>
        <dt>Code</dt>
        <dd>{course.data.code ?? "none"}</dd>
        <dt>Term</dt>
        <dd>{nameOf(course.data.termId) ?? "none"}</dd>
        <dt>Level</dt>
        <dd>{course.data.level}</dd>
        <dt>Waitlist</dt>
        <dd>{waitlistText(course.data.waitlistedCount, course.data.waitlistCapacity)}</dd>
      </dl>
      <CapacityBar courseName={label} enrolled={course.data.enrolledCount} capacity={course.data.capacity} />
      <p className="form-actions">
        <button type="button" aria-expanded={editing} onClick={() => setEditing((open) => !open)}>
          {editing ? "Close the editor" : "Edit course"}
        </button>{" "}
        <button
          type="button"
          className="danger"
          onClick={() => {
            remove.reset();
            setDeleting(true);
          }}
        >
          Delete course
        </button>
      </p>
      {editing && <CourseForm course={course.data} />}
      {deleting && (
        <ConfirmDialog
          title="Delete course?"
          confirmLabel="Delete course"
          busy={remove.isPending}
          confirmDescribedBy={remove.error ? deleteErrorId : undefined}
          onCancel={() => setDeleting(false)}
          onConfirm={() => remove.mutate({ id: courseId })}
        >
          <p>
            Delete <strong>{label}</strong>? Its enrollments, waitlist and their history are deleted with it.
            This cannot be undone.
          </p>
          <ErrorMessage error={remove.error} id={deleteErrorId} />
        </ConfirmDialog>
      )}
      <CourseRoster course={course.data} label={label} />
      <Waitlist course={course.data} label={label} />
    </section>
  );
}

/** The course's waitlist, in its order: position 1 gets the next free seat. */
function Waitlist({ course, label }: { course: Course; label: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const waitlist = useInfiniteQuery(
    pagedQueryOptions(trpc.courses.students.queryKey, client.courses.students.query, {
      courseId: course.id,
      limit: PAGE_SIZE,
      status: ["waitlisted" as const],
    }),
  );
  useLoadAllPages(waitlist);
  const students = waitlist.data?.pages.flatMap((page) => page.students) ?? [];
  const loaded = waitlist.isSuccess && !waitlist.hasNextPage;
  return (
    <>
      <h2>Waitlist</h2>
      {!waitlist.isError && !isRetrying(waitlist) && !loaded && (
        <p className="muted">Loading the waitlist…</p>
      )}
      <LoadError load={waitlist} what="the waitlist" />
      {loaded && students.length === 0 && (
        <p className="empty-state">
          {course.waitlistCapacity === 0
            ? `${label} has no waitlist. To add one, press Edit course and give it waitlist places.`
            : `Nobody is waiting for a seat in ${label}. When it is full, students can join the waitlist from their own page.`}
        </p>
      )}
      {loaded && students.length > 0 && (
        <table>
          <caption className="visually-hidden">Waitlist of {label}, first come first served</caption>
          <thead>
            <tr>
              <th scope="col">Position</th>
              <th scope="col">Student</th>
              <th scope="col">Email</th>
              <th scope="col">Waiting since</th>
              <th scope="col">ID</th>
            </tr>
          </thead>
          <tbody>
            {students.map((student) => (
              <tr key={student.id}>
                <td>{student.waitlistPosition}</td>
                <td>
                  <Link to={`/students/${student.id}`}>{student.name}</Link>
                </td>
                <td>{student.email}</td>
                <td>{formatDateTime(student.enrolledAt)}</td>
                <td>{student.id}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function CourseRoster({ course, label }: { course: Course; label: string }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const roster = useInfiniteQuery(
    pagedQueryOptions(trpc.courses.students.queryKey, client.courses.students.query, {
      courseId: course.id,
      limit: PAGE_SIZE,
    }),
  );
  useLoadAllPages(roster);
  const students = roster.data?.pages.flatMap((page) => page.students) ?? [];
  const { sorted, sort, setSort } = useSortedRows(students, rosterColumns, {
    key: "name",
    direction: "ascending",
  });
  const loaded = roster.isSuccess && !roster.hasNextPage;
  const header = (key: RosterColumn) => (
    <SortableHeader sortKey={key} sort={sort} onSort={setSort}>
      {columnLabels[key]}
    </SortableHeader>
  );

  return (
    <>
      <h2>Roster</h2>
      {!roster.isError && !isRetrying(roster) && !loaded && <p className="muted">Loading roster…</p>}
      <LoadError load={roster} what="the roster" />
      {loaded && students.length === 0 && (
        <p className="empty-state">
          Nobody is enrolled in {label} yet. Students are enrolled from their own page: open one from the{" "}
          <Link to="/students">students</Link> list and choose “{label}” under “Add courses”.
        </p>
      )}
      {loaded && students.length > 0 && (
        <table>
          <caption className="visually-hidden">
            Students enrolled in {label}, {sortDescription(columnLabels[sort.key], sort.direction)}
          </caption>
          <thead>
            <tr>
              {header("name")}
              {header("email")}
              {header("enrolledAt")}
              {header("id")}
            </tr>
          </thead>
          <tbody>
            {sorted.map((student) => (
              <tr key={student.id}>
                <td>
                  <Link to={`/students/${student.id}`}>{student.name}</Link>
                </td>
                <td>{student.email}</td>
                <td>{formatDateTime(student.enrolledAt)}</td>
                <td>{student.id}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
