import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { CapacityBar } from "../components/capacity-bar.tsx";
import { DetailLoadError } from "../components/detail-load-error.tsx";
import { ErrorMessage } from "../components/error-message.tsx";
import { LoadMoreButton } from "../components/load-more-button.tsx";
import { formatDateTime } from "../dates.ts";
import { pagedQueryOptions } from "../paged-query.ts";
import { parseRouteId } from "../route-ids.ts";
import { useTRPC, useTRPCClient } from "../trpc.ts";
import { NotFoundPage } from "./not-found-page.tsx";

const PAGE_SIZE = 100;

export function RosterPage() {
  const courseId = parseRouteId(useParams().courseId);
  if (courseId === undefined) return <NotFoundPage />;
  return <Roster courseId={courseId} />;
}

function Roster({ courseId }: { courseId: number }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const course = useQuery(trpc.courses.byId.queryOptions({ id: courseId }));
  const roster = useInfiniteQuery(
    pagedQueryOptions(trpc.courses.students.queryKey, client.courses.students.query, {
      courseId,
      limit: PAGE_SIZE,
    }),
  );

  if (course.isPending) return <p className="muted">Loading course…</p>;
  if (course.isError) {
    return (
      <DetailLoadError
        heading="Course"
        error={course.error}
        backTo="/courses"
        backLabel="Back to all courses"
      />
    );
  }
  const students = roster.data?.pages.flatMap((page) => page.students) ?? [];
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

      <h2>Roster</h2>
      {roster.isPending && <p className="muted">Loading roster…</p>}
      <ErrorMessage error={roster.error} />
      {roster.isSuccess && students.length === 0 && <p className="muted">Nobody is enrolled yet.</p>}
      {students.length > 0 && (
        <table>
          <caption className="visually-hidden">Students enrolled in {course.data.name}</caption>
          <thead>
            <tr>
              <th scope="col">Student</th>
              <th scope="col">Email</th>
              <th scope="col">Enrolled</th>
            </tr>
          </thead>
          <tbody>
            {students.map((student) => (
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
      <LoadMoreButton list={roster} label="Load more students" />
    </section>
  );
}
