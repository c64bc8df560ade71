import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { Link } from "react-router";
import { CapacityBar } from "../components/capacity-bar.tsx";
import { ErrorMessage } from "../components/error-message.tsx";
import { isRetrying, LoadError } from "../components/load-error.tsx";
import { LoadMoreButton } from "../components/load-more-button.tsx";
import { useDocumentTitle } from "../document-title.ts";
import { pagedQueryOptions } from "../paged-query.ts";
import { fieldsInError } from "../problem-messages.ts";
import { useTRPC, useTRPCClient } from "../trpc.ts";

const PAGE_SIZE = 50;

export function CoursesPage() {
  useDocumentTitle("Courses");
  const trpc = useTRPC();
  const client = useTRPCClient();
  const courses = useInfiniteQuery(
    pagedQueryOptions(trpc.courses.list.queryKey, client.courses.list.query, { limit: PAGE_SIZE }),
  );
  const loaded = courses.data?.pages.flatMap((page) => page.courses) ?? [];
  return (
    <section aria-labelledby="courses-title">
      <h1 id="courses-title">Courses</h1>
      <NewCourseForm />

      <h2>All courses</h2>
      {courses.isPending && !isRetrying(courses) && <p className="muted">Loading courses…</p>}
      <LoadError load={courses} what="courses" />
      {courses.isSuccess && loaded.length === 0 && (
        <p className="empty-state">
          No courses yet. To add the first one, enter its name and level under “Add a course” above, a
          capacity if its seats are limited, and press Add course.
        </p>
      )}
      {loaded.length > 0 && <p className="muted table-note">Listed in the order they were added.</p>}
      {loaded.length > 0 && (
        <table>
          <caption className="visually-hidden">Courses, in the order they were added</caption>
          <thead>
            <tr>
              <th scope="col">Course</th>
              <th scope="col">Level</th>
              <th scope="col" className="wide">
                Seats
              </th>
            </tr>
          </thead>
          <tbody>
            {loaded.map((course) => (
              <tr key={course.id}>
                <td>
                  <Link to={`/courses/${course.id}`}>{course.name}</Link>
                </td>
                <td>{course.level}</td>
                <td>
                  <CapacityBar
                    courseName={course.name}
                    enrolled={course.enrolledCount}
                    capacity={course.capacity}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton list={courses} label="Load more courses" />
    </section>
  );
}

function NewCourseForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [level, setLevel] = useState("");
  const [capacity, setCapacity] = useState("");
  const errorId = useId();
  const nameField = useRef<HTMLInputElement>(null);
  const levelField = useRef<HTMLInputElement>(null);
  const capacityField = useRef<HTMLInputElement>(null);
  const create = useMutation(
    trpc.courses.create.mutationOptions({
      onSuccess: async () => {
        setName("");
        setLevel("");
        setCapacity("");
        await queryClient.invalidateQueries(trpc.courses.list.pathFilter());
      },
    }),
  );
  const invalid = fieldsInError(create.error);
  // The first field the server blamed gets the focus, described by the message beside the
  // form; any other failure leaves the focus on the button, which the message describes.
  useEffect(() => {
    const first = fieldsInError(create.error)[0];
    if (first === "name") nameField.current?.focus();
    if (first === "level") levelField.current?.focus();
    if (first === "capacity") capacityField.current?.focus();
  }, [create.error]);
  const errorProps = (field: string) =>
    invalid.includes(field) ? { "aria-invalid": true, "aria-describedby": errorId } : {};
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (create.isPending) return;
    // An empty capacity means no seat limit; anything else goes to the server as typed
    // (as a number), so its validation message is the one people see.
    create.mutate({ name, level, capacity: capacity.trim() === "" ? null : Number(capacity) });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="new-course-title">
      <h2 id="new-course-title">Add a course</h2>
      <div className="fields">
        <label>
          Course name
          <input
            ref={nameField}
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
            maxLength={200}
            {...errorProps("name")}
          />
        </label>
        <label>
          Level
          <input
            ref={levelField}
            value={level}
            onChange={(event) => setLevel(event.target.value)}
            required
            maxLength={200}
            {...errorProps("level")}
          />
        </label>
        <label>
          Capacity
          <input
            ref={capacityField}
            type="number"
            min={1}
            max={100000}
            step={1}
            value={capacity}
            placeholder="No limit"
            onChange={(event) => setCapacity(event.target.value)}
            {...errorProps("capacity")}
          />
        </label>
        <button
          type="submit"
          className="primary"
          // aria-disabled, not disabled: the button keeps the focus while the request runs
          aria-disabled={create.isPending}
          aria-describedby={create.error ? errorId : undefined}
        >
          {create.isPending ? "Adding…" : "Add course"}
        </button>
      </div>
      <ErrorMessage error={create.error} id={errorId} />
    </form>
  );
}
