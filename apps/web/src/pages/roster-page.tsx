import type { RouterOutputs } from "@registrar/sdk";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { CapacityBar } from "../components/capacity-bar.tsx";
import { DetailLoadError } from "../components/detail-load-error.tsx";
import { isRetrying, LoadError } from "../components/load-error.tsx";
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

// The roster is loaded whole (a course's seats bound it in practice), so it sorts in the browser.
const PAGE_SIZE = 200;

type Course = RouterOutputs["courses"]["byId"];
type RosterStudent = RouterOutputs["courses"]["students"]["students"][number];
type RosterColumn = "name" | "email" | "enrolledAt";

const rosterColumns: Record<RosterColumn, SortValue<RosterStudent>> = {
  name: (student) => student.name,
  email: (student) => student.email,
  enrolledAt: (student) => Date.parse(student.enrolledAt),
};
const columnLabels: Record<RosterColumn, string> = {
  name: "Student",
  email: "Email",
  enrolledAt: "Enrolled",
};

export function RosterPage() {
  const courseId = parseRouteId(useParams().courseId);
  if (courseId === undefined) return <NotFoundPage />;
  return <Roster courseId={courseId} />;
}

function Roster({ courseId }: { courseId: number }) {
  const trpc = useTRPC();
  const course = useQuery(trpc.courses.byId.queryOptions({ id: courseId }));
  const missing = course.isError && describeError(course.error).code === "course_not_found";
  useDocumentTitle(
    course.isSuccess
      ? `${course.data.name} (course ${courseId})`
      : missing
        ? "Course not found"
        : `Course ${courseId}`,
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
  if (course.isPending) return <p className="muted">Loading course…</p>;
  return (
    <section aria-labelledby="course-title">
      <p className="breadcrumb">
        <Link to="/courses">Courses</Link> / {course.data.name}
      </p>
      <h1 id="course-title">{course.data.name}</h1>
      <p className="muted">Level: {course.data.level}</p>
      <CapacityBar
        courseName={course.data.name}
        enrolled={course.data.enrolledCount}
        capacity={course.data.capacity}
      />
      <CourseRoster course={course.data} />
    </section>
  );
}

function CourseRoster({ course }: { course: Course }) {
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
          Nobody is enrolled in {course.name} yet. Students are enrolled from their own page: open one from
          the <Link to="/students">students</Link> list and choose “{course.name}” under “Add courses”.
        </p>
      )}
      {loaded && students.length > 0 && (
        <table>
          <caption className="visually-hidden">
            Students enrolled in {course.name}, {sortDescription(columnLabels[sort.key], sort.direction)}
          </caption>
          <thead>
            <tr>
              {header("name")}
              {header("email")}
              {header("enrolledAt")}
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
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
