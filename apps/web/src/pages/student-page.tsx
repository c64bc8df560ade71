import { MAX_PAGE_SIZE, type RouterOutputs } from "@registrar/sdk";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { seatsLeftText } from "../components/capacity-bar.tsx";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { DetailLoadError } from "../components/detail-load-error.tsx";
import { ErrorMessage } from "../components/error-message.tsx";
import { type FailedLoad, isRetrying, LoadError } from "../components/load-error.tsx";
import { SortableHeader, sortDescription } from "../components/sortable-header.tsx";
import { StudentForm } from "../components/student-form.tsx";
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
import { NotFoundPage } from "./not-found-page.tsx";

type Student = RouterOutputs["students"]["byId"];
type Course = RouterOutputs["courses"]["byId"];
type EnrolledCourse = RouterOutputs["enrollments"]["list"]["courses"][number];
type HistoryEntry = RouterOutputs["enrollments"]["history"]["events"][number];
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

/** Enrollments change seat counts, waitlists and history, so all of them are refreshed with them. */
function useRefreshAfterEnrollmentChange() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return () =>
    Promise.all([
      queryClient.invalidateQueries(trpc.enrollments.pathFilter()),
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
  const { nameOf } = useTerms();
  const student = useQuery(trpc.students.byId.queryOptions({ id: studentId }));
  // every status: the current courses, and the dropped and completed ones as a record
  const enrolled = useInfiniteQuery(
    pagedQueryOptions(trpc.enrollments.list.queryKey, client.enrollments.list.query, {
      studentId,
      limit: MAX_PAGE_SIZE,
      status: "all" as const,
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
  const all = enrolled.data?.pages.flatMap((page) => page.courses) ?? [];
  const current = all.filter((course) => course.status === "active" || course.status === "waitlisted");
  const past = all.filter((course) => course.status === "dropped" || course.status === "completed");
  const loadedWhole = enrolled.isSuccess && !enrolled.hasNextPage;
  const label = (course: EnrolledCourse) => courseLabel(course, nameOf);
  return (
    <section aria-labelledby="student-title">
      <p className="breadcrumb">
        <Link to="/students">Students</Link> / {student.data.name}
      </p>
      <h1 id="student-title">{student.data.name}</h1>
      <p className="muted">
        Student ID {student.data.id} · {student.data.email} · added {formatDateTime(student.data.createdAt)}
      </p>
      <StudentActions student={student.data} />

      <EnrolledCourses
        student={student.data}
        courses={current}
        loadedWhole={loadedWhole}
        load={enrolled}
        label={label}
      />
      <AddCourses
        studentId={studentId}
        // a dropped or completed course can be chosen again: enrolling reactivates it
        enrolledIds={new Set(current.map((course) => course.id))}
        ready={loadedWhole}
        label={(course) => courseLabel(course, nameOf)}
      />
      {loadedWhole && past.length > 0 && <PastCourses student={student.data} courses={past} label={label} />}
      <HistoryTimeline
        studentId={studentId}
        courseName={(id) => {
          const course = all.find((candidate) => candidate.id === id);
          return course ? label(course) : undefined;
        }}
      />
    </section>
  );
}

/** Edit and Delete for the student: a form that opens in place, a confirmation before deleting. */
function StudentActions({ student }: { student: Student }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const deleteErrorId = useId();
  const remove = useMutation(
    trpc.students.delete.mutationOptions({
      onSuccess: async () => {
        setDeleting(false);
        await Promise.all([
          queryClient.invalidateQueries(trpc.students.list.pathFilter()),
          queryClient.invalidateQueries(trpc.courses.pathFilter()),
        ]);
        navigate("/students");
      },
    }),
  );
  return (
    <>
      <p className="form-actions">
        <button type="button" aria-expanded={editing} onClick={() => setEditing((open) => !open)}>
          {editing ? "Close the editor" : "Edit student"}
        </button>{" "}
        <button
          type="button"
          className="danger"
          onClick={() => {
            remove.reset();
            setDeleting(true);
          }}
        >
          Delete student
        </button>
      </p>
      {editing && <EditStudentForm student={student} onSaved={() => setEditing(false)} />}
      {deleting && (
        <ConfirmDialog
          title="Delete student?"
          confirmLabel="Delete student"
          busy={remove.isPending}
          confirmDescribedBy={remove.error ? deleteErrorId : undefined}
          onCancel={() => setDeleting(false)}
          onConfirm={() => remove.mutate({ id: student.id })}
        >
          <p>
            Delete <strong>{student.name}</strong> (student {student.id})? Their enrollments and history are
            deleted with them and their seats go back to the courses. This cannot be undone.
          </p>
          <ErrorMessage error={remove.error} id={deleteErrorId} />
        </ConfirmDialog>
      )}
    </>
  );
}

function EditStudentForm({ student, onSaved }: { student: Student; onSaved: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const update = useMutation(
    trpc.students.update.mutationOptions({
      onSuccess: async (changed) => {
        queryClient.setQueryData(trpc.students.byId.queryKey({ id: changed.id }), changed);
        await queryClient.invalidateQueries(trpc.students.list.pathFilter());
        onSaved();
      },
    }),
  );
  return (
    <StudentForm
      title="Edit student"
      initial={student}
      submitLabel="Save student"
      pendingLabel="Saving…"
      pending={update.isPending}
      error={update.error}
      focusOnMount
      onSubmit={(fields) => update.mutate({ id: student.id, ...fields })}
    />
  );
}

/** "Active", "Waitlisted, position 2", "Dropped", "Completed". */
function statusText(course: EnrolledCourse): string {
  switch (course.status) {
    case "active":
      return "Active";
    case "waitlisted":
      return course.waitlistPosition === null
        ? "Waitlisted"
        : `Waitlisted, position ${course.waitlistPosition}`;
    case "dropped":
      return "Dropped";
    case "completed":
      return "Completed";
  }
}

function EnrolledCourses({
  student,
  courses,
  loadedWhole,
  load,
  label,
}: {
  student: Student;
  courses: EnrolledCourse[];
  loadedWhole: boolean;
  load: FailedLoad;
  label: (course: EnrolledCourse) => string;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshAfterEnrollmentChange();
  const heading = useRef<HTMLHeadingElement>(null);
  const dropErrorId = useId();
  const completeErrorId = useId();
  const [dropping, setDropping] = useState<EnrolledCourse>();
  const [reason, setReason] = useState("");
  const [done, setDone] = useState<string>();
  const { sorted, sort, setSort } = useSortedRows(courses, enrolledColumns, {
    key: "name",
    direction: "ascending",
  });
  const nameOf = (courseId: number) => {
    const course = courses.find((candidate) => candidate.id === courseId);
    return course ? label(course) : `course #${courseId}`;
  };
  const drop = useMutation(
    trpc.enrollments.remove.mutationOptions({
      onSuccess: async (_, { courseId }) => {
        const name = nameOf(courseId);
        setDropping(undefined);
        await refresh();
        // said once the list shows it; the row (and its Drop button, where the focus was)
        // is gone, so the focus starts again from the list's heading
        setDone(`Dropped ${name}. It is kept under “Past courses”.`);
        heading.current?.focus();
      },
      // enrollment_not_found: someone else dropped it; the list is stale either way.
      onError: () => refresh(),
    }),
  );
  const complete = useMutation(
    trpc.enrollments.update.mutationOptions({
      onSuccess: async (_, { courseId }) => {
        const name = nameOf(courseId);
        await refresh();
        setDone(`Marked ${name} completed.`);
        heading.current?.focus();
      },
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
      {done && (
        <p role="status" className="success">
          {done}
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
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((course) => {
              const completing = complete.isPending && complete.variables?.courseId === course.id;
              const failed = complete.isError && complete.variables?.courseId === course.id;
              return (
                <tr key={course.id}>
                  <td>
                    <Link to={`/courses/${course.id}`}>{label(course)}</Link>
                  </td>
                  <td>{course.level}</td>
                  <td>{formatDateTime(course.enrolledAt)}</td>
                  <td>{statusText(course)}</td>
                  <td className="actions">
                    {course.status === "active" && (
                      <button
                        type="button"
                        aria-label={`Complete ${label(course)}`}
                        aria-disabled={complete.isPending}
                        aria-describedby={failed ? completeErrorId : undefined}
                        onClick={() => {
                          if (complete.isPending) return;
                          setDone(undefined);
                          complete.mutate({
                            studentId: student.id,
                            courseId: course.id,
                            status: "completed",
                          });
                        }}
                      >
                        {completing ? "Completing…" : "Complete"}
                      </button>
                    )}{" "}
                    <button
                      type="button"
                      aria-label={`${course.status === "waitlisted" ? "Leave waitlist of" : "Drop"} ${label(course)}`}
                      onClick={() => {
                        drop.reset();
                        setDone(undefined);
                        setReason("");
                        setDropping(course);
                      }}
                    >
                      {course.status === "waitlisted" ? "Leave waitlist" : "Drop"}
                    </button>
                    {failed && <ErrorMessage error={complete.error} id={completeErrorId} />}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {dropping && (
        <ConfirmDialog
          title="Drop course?"
          confirmLabel="Drop course"
          busy={drop.isPending}
          confirmDescribedBy={drop.error ? dropErrorId : undefined}
          onCancel={() => setDropping(undefined)}
          onConfirm={() =>
            drop.mutate({
              studentId: student.id,
              courseId: dropping.id,
              ...(reason.trim() ? { reason: reason.trim() } : {}),
            })
          }
        >
          <p>
            Drop {student.name} from <strong>{label(dropping)}</strong>?{" "}
            {dropping.status === "active"
              ? "Their seat goes to the first student on the waitlist, or back to the course."
              : "They leave the waitlist."}{" "}
            The enrollment is kept as dropped, with its history.
          </p>
          <label className="dialog-field">
            Reason (optional)
            <textarea
              value={reason}
              maxLength={500}
              rows={2}
              onChange={(event) => setReason(event.target.value)}
            />
          </label>
          <ErrorMessage error={drop.error} id={dropErrorId} />
        </ConfirmDialog>
      )}
    </section>
  );
}

/** Dropped and completed enrollments, kept as a record; each can be made active again. */
function PastCourses({
  student,
  courses,
  label,
}: {
  student: Student;
  courses: EnrolledCourse[];
  label: (course: EnrolledCourse) => string;
}) {
  const trpc = useTRPC();
  const refresh = useRefreshAfterEnrollmentChange();
  const errorId = useId();
  const [done, setDone] = useState<string>();
  const heading = useRef<HTMLHeadingElement>(null);
  const reactivate = useMutation(
    trpc.enrollments.assign.mutationOptions({
      onSuccess: async (result, { courseIds }) => {
        const course = courses.find((candidate) => candidate.id === courseIds[0]);
        const name = course ? label(course) : "the course";
        await refresh();
        setDone(result.enrolled.length > 0 ? `${name} is active again.` : `${name} was already active.`);
        heading.current?.focus();
      },
      onError: () => refresh(),
    }),
  );
  return (
    <section aria-labelledby="past-title" className="card">
      <h2 id="past-title" ref={heading} tabIndex={-1}>
        Past courses
      </h2>
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
      <table>
        <caption className="visually-hidden">Courses {student.name} dropped or completed</caption>
        <thead>
          <tr>
            <th scope="col">Course</th>
            <th scope="col">Level</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {courses.map((course) => {
            const failed = reactivate.isError && reactivate.variables?.courseIds[0] === course.id;
            return (
              <tr key={course.id}>
                <td>
                  <Link to={`/courses/${course.id}`}>{label(course)}</Link>
                </td>
                <td>{course.level}</td>
                <td>
                  {statusText(course)}
                  {course.droppedAt && <span className="muted"> {formatDateTime(course.droppedAt)}</span>}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    aria-label={`Reactivate ${label(course)}`}
                    aria-disabled={reactivate.isPending}
                    aria-describedby={failed ? errorId : undefined}
                    onClick={() => {
                      if (reactivate.isPending) return;
                      setDone(undefined);
                      reactivate.mutate({ studentId: student.id, courseIds: [course.id] });
                    }}
                  >
                    Reactivate
                  </button>
                  {failed && (
                    <ErrorMessage
                      error={reactivate.error}
                      id={errorId}
                      context={{ courseName: () => label(course) }}
                    />
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}

const actionWords: Record<HistoryEntry["action"], string> = {
  enrolled: "Enrolled in",
  waitlisted: "Waitlisted for",
  promoted: "Promoted from the waitlist into",
  dropped: "Dropped from",
  completed: "Completed",
  reactivated: "Reactivated in",
};
const sourceWords: Record<HistoryEntry["source"], string> = {
  rest: "through the REST API",
  trpc: "through the web or tRPC",
  import: "by an import",
  system: "by Registrar (a seat was freed)",
};

/** Every change of the student's enrollments, oldest first, as the server recorded it. */
function HistoryTimeline({
  studentId,
  courseName,
}: {
  studentId: number;
  courseName: (courseId: number) => string | undefined;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const history = useInfiniteQuery(
    pagedQueryOptions(trpc.enrollments.history.queryKey, client.enrollments.history.query, {
      studentId,
      limit: MAX_PAGE_SIZE,
    }),
  );
  useLoadAllPages(history);
  const events = history.data?.pages.flatMap((page) => page.events) ?? [];
  const loaded = history.isSuccess && !history.hasNextPage;
  return (
    <section aria-labelledby="history-title" className="card">
      <h2 id="history-title">History</h2>
      {!loaded && !history.isError && !isRetrying(history) && <p className="muted">Loading the history…</p>}
      <LoadError load={history} what="the history" />
      {loaded && events.length === 0 && (
        <p className="empty-state">
          No changes yet. Every enrollment, drop and completion will be listed here.
        </p>
      )}
      {events.length > 0 && (
        <ol className="timeline" aria-label={`History of student ${studentId}, oldest first`}>
          {events.map((event) => (
            <li key={event.id}>
              <time dateTime={event.at}>{formatDateTime(event.at)}</time>{" "}
              <strong>
                {actionWords[event.action]} {courseName(event.courseId) ?? `course ${event.courseId}`}
              </strong>
              <span className="muted">
                {" "}
                {sourceWords[event.source]}
                {event.actor.role ? `, by a ${event.actor.role} key (${event.actor.keyId})` : ""}
              </span>
              {event.reason && <span>. Reason: {event.reason}</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function AddCourses({
  studentId,
  enrolledIds,
  ready,
  label,
}: {
  studentId: number;
  enrolledIds: ReadonlySet<number>;
  ready: boolean;
  label: (course: Course) => string;
}) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const refresh = useRefreshAfterEnrollmentChange();
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [done, setDone] = useState<string>();
  const errorId = useId();
  const allCourses = useInfiniteQuery(
    pagedQueryOptions(trpc.courses.list.queryKey, client.courses.list.query, { limit: MAX_PAGE_SIZE }),
  );
  useLoadAllPages(allCourses);
  const courses = allCourses.data?.pages.flatMap((page) => page.courses) ?? [];
  const byId = new Map(courses.map((course) => [course.id, course]));
  const choices = courses.filter((course) => !enrolledIds.has(course.id));
  const isFull = (course: Course) => course.capacity !== null && course.enrolledCount >= course.capacity;
  const waitlistOpen = (course: Course) => course.waitlistedCount < course.waitlistCapacity;
  // full, with no waitlist place left: it cannot be chosen
  const closed = (course: Course) => isFull(course) && !waitlistOpen(course);
  // A course that filled up since it was ticked drops out of the selection.
  const chosen = choices.filter((course) => selected.has(course.id) && !closed(course));

  const assign = useMutation(
    trpc.enrollments.assign.mutationOptions({
      onSuccess: async (result) => {
        const nameOf = (id: number) => {
          const course = byId.get(id);
          return course ? label(course) : `course #${id}`;
        };
        const names = result.enrolled.map(nameOf);
        const waiting = result.waitlisted.map((id) => {
          const position = result.courses.find((course) => course.id === id)?.waitlistPosition;
          return position ? `${nameOf(id)} (position ${position})` : nameOf(id);
        });
        const parts = [
          names.length > 0 ? `Enrolled in ${names.join(", ")}.` : "",
          waiting.length > 0 ? `Waitlisted for ${waiting.join(", ")}.` : "",
        ].filter(Boolean);
        setDone(parts.length > 0 ? parts.join(" ") : "Already enrolled in those courses.");
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
    // a full course chosen has waitlist room: ask for the waitlist, for it alone (the others enroll)
    const waitlist = chosen.some(isFull);
    assign.mutate({
      studentId,
      courseIds: chosen.map((course) => course.id),
      ...(waitlist ? { waitlist } : {}),
    });
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
          <legend>Choose courses (a full course can be chosen only while its waitlist has room)</legend>
          <ul>
            {choices.map((course) => {
              const full = closed(course);
              const waitlisting = isFull(course) && !full;
              return (
                <li key={course.id} className={full ? "full" : undefined}>
                  <label>
                    <input
                      type="checkbox"
                      checked={!full && selected.has(course.id)}
                      disabled={full || assign.isPending}
                      onChange={(event) => toggle(course.id, event.target.checked)}
                    />
                    <span className="course-name">{label(course)}</span>
                    <span className="muted"> · {course.level}</span>
                    <span className={`seats ${isFull(course) ? "seats-full" : ""}`}>
                      {" "}
                      (
                      {waitlisting
                        ? `full; joins the waitlist, ${course.waitlistCapacity - course.waitlistedCount} of ${course.waitlistCapacity} places left`
                        : seatsLeftText(course.enrolledCount, course.capacity)}
                      )
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
      <ErrorMessage
        error={assign.error}
        id={errorId}
        context={{
          courseName: (id) => {
            const course = byId.get(id);
            return course ? label(course) : undefined;
          },
        }}
      />
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
    </form>
  );
}
