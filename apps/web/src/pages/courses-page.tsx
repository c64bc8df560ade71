import { MAX_CAPACITY, MAX_NAME_LENGTH, MIN_CAPACITY } from "@registrar/sdk";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link } from "react-router";
import { CapacityBar } from "../components/capacity-bar.tsx";
import { ErrorMessage } from "../components/error-message.tsx";
import { LoadMoreButton } from "../components/load-more-button.tsx";
import { pagedQueryOptions } from "../paged-query.ts";
import { useTRPC, useTRPCClient } from "../trpc.ts";

const PAGE_SIZE = 50;

export function CoursesPage() {
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
      {courses.isPending && <p className="muted">Loading courses…</p>}
      <ErrorMessage error={courses.error} />
      {courses.isSuccess && loaded.length === 0 && (
        <p className="muted">No courses yet. Add the first one above.</p>
      )}
      {loaded.length > 0 && (
        <table>
          <caption className="visually-hidden">Courses</caption>
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
  const submit = (event: FormEvent) => {
    event.preventDefault();
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
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
            maxLength={MAX_NAME_LENGTH}
          />
        </label>
        <label>
          Level
          <input
            value={level}
            onChange={(event) => setLevel(event.target.value)}
            required
            maxLength={MAX_NAME_LENGTH}
          />
        </label>
        <label>
          Capacity
          <input
            type="number"
            min={MIN_CAPACITY}
            max={MAX_CAPACITY}
            step={1}
            value={capacity}
            placeholder="No limit"
            onChange={(event) => setCapacity(event.target.value)}
          />
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? "Adding…" : "Add course"}
        </button>
      </div>
      <ErrorMessage error={create.error} />
    </form>
  );
}
