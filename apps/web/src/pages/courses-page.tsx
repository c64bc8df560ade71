import {
  DEFAULT_PAGE_SIZE,
  MAX_CAPACITY,
  MAX_COURSE_CODE_LENGTH,
  MAX_NAME_LENGTH,
  MAX_WAITLIST_CAPACITY,
  MIN_CAPACITY,
  type RouterOutputs,
} from "@registrar/sdk";
import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { Link } from "react-router";
import { CapacityBar } from "../components/capacity-bar.tsx";
import { ErrorMessage } from "../components/error-message.tsx";
import { isRetrying, LoadError } from "../components/load-error.tsx";
import { LoadMoreButton } from "../components/load-more-button.tsx";
import { SortableHeader, type SortState, sortDescription } from "../components/sortable-header.tsx";
import { courseLabel } from "../course-names.ts";
import { useDebouncedValue } from "../debounce.ts";
import { useDocumentTitle } from "../document-title.ts";
import { pagedQueryOptions } from "../paged-query.ts";
import { fieldsInError } from "../problem-messages.ts";
import { useTerms } from "../terms.ts";
import { useTRPC, useTRPCClient } from "../trpc.ts";

const PAGE_SIZE = DEFAULT_PAGE_SIZE;

type CourseSort = "id" | "name" | "code" | "level" | "capacity";
const columnLabels: Record<CourseSort, string> = {
  id: "ID",
  name: "Course",
  code: "Code",
  level: "Level",
  capacity: "Seats",
};

export function CoursesPage() {
  useDocumentTitle("Courses");
  const trpc = useTRPC();
  const client = useTRPCClient();
  const { nameOf } = useTerms();
  const [search, setSearch] = useState("");
  // the server searches and sorts all courses; it is asked when the typing pauses
  const needle = useDebouncedValue(search.trim());
  const [sort, setSort] = useState<SortState<CourseSort>>({ key: "id", direction: "ascending" });
  const searchField = useRef<HTMLInputElement>(null);
  const courses = useInfiniteQuery({
    ...pagedQueryOptions(trpc.courses.list.queryKey, client.courses.list.query, {
      limit: PAGE_SIZE,
      ...(needle ? { q: needle } : {}),
      sort: sort.key,
      order: sort.direction === "ascending" ? ("asc" as const) : ("desc" as const),
    }),
    // the table stays while the next order or search loads, so a sort button keeps the focus
    placeholderData: keepPreviousData,
  });
  const loaded = courses.data?.pages.flatMap((page) => page.courses) ?? [];
  const settled = courses.isSuccess && !courses.isPlaceholderData;
  const header = (key: CourseSort, className?: string) => (
    <SortableHeader sortKey={key} sort={sort} onSort={setSort} className={className}>
      {columnLabels[key]}
    </SortableHeader>
  );
  return (
    <section aria-labelledby="courses-title">
      <h1 id="courses-title">Courses</h1>
      <NewCourseForm />

      <h2>All courses</h2>
      <div className="toolbar">
        <label>
          Search courses
          <input
            ref={searchField}
            type="search"
            value={search}
            placeholder="Name or code"
            onChange={(event) => setSearch(event.target.value)}
          />
        </label>
        <span className="muted" aria-live="polite">
          {settled &&
            `${loaded.length}${courses.hasNextPage ? "+" : ""} ${needle ? "matching " : ""}course${loaded.length === 1 ? "" : "s"} shown`}
        </span>
      </div>
      {courses.isPending && !isRetrying(courses) && <p className="muted">Loading courses…</p>}
      <LoadError load={courses} what="courses" />
      {settled && !needle && loaded.length === 0 && (
        <p className="empty-state">
          No courses yet. To add the first one, enter its name and level under “Add a course” above, a
          capacity if its seats are limited, and press Add course.
        </p>
      )}
      {settled && needle && loaded.length === 0 && (
        <div className="empty-state">
          <p>No course’s name or code contains “{needle}”. The search covers every course.</p>
          <p>
            <button
              type="button"
              onClick={() => {
                setSearch("");
                searchField.current?.focus();
              }}
            >
              Clear the search
            </button>
          </p>
        </div>
      )}
      {loaded.length > 0 && (
        <table aria-busy={courses.isPlaceholderData || undefined}>
          <caption className="visually-hidden">
            Courses{needle ? ` matching “${needle}”` : ""},{" "}
            {sortDescription(columnLabels[sort.key], sort.direction)}
          </caption>
          <thead>
            <tr>
              {header("name")}
              {header("code")}
              <th scope="col">Term</th>
              {header("level")}
              {header("capacity", "wide")}
              <th scope="col">Waitlist</th>
              {header("id")}
            </tr>
          </thead>
          <tbody>
            {loaded.map((course) => {
              const label = courseLabel(course, nameOf);
              return (
                <tr key={course.id}>
                  <td>
                    <Link to={`/courses/${course.id}`}>{label}</Link>
                  </td>
                  <td>{course.code ?? <span className="muted">none</span>}</td>
                  <td>{nameOf(course.termId) ?? <span className="muted">none</span>}</td>
                  <td>{course.level}</td>
                  <td>
                    <CapacityBar
                      courseName={label}
                      enrolled={course.enrolledCount}
                      capacity={course.capacity}
                    />
                  </td>
                  <td>{waitlistText(course.waitlistedCount, course.waitlistCapacity)}</td>
                  <td>{course.id}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <LoadMoreButton list={courses} label="Load more courses" />
    </section>
  );
}

/** "2 of 5 waiting", "no waitlist". */
export function waitlistText(waitlisted: number, capacity: number): string {
  if (capacity === 0) return "no waitlist";
  return `${waitlisted} of ${capacity} waiting`;
}

function NewCourseForm() {
  return <CourseForm />;
}

type Course = RouterOutputs["courses"]["byId"];

/**
 * Adds a course, or (given `course`) changes one: name, level, code, term, capacity and
 * waitlist places. The first field the server blames gets the focus, described by the
 * message right under the fields.
 */
export function CourseForm({ course, onSaved }: { course?: Course; onSaved?: (course: Course) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { terms } = useTerms();
  const [name, setName] = useState(course?.name ?? "");
  const [level, setLevel] = useState(course?.level ?? "");
  const [code, setCode] = useState(course?.code ?? "");
  const [termId, setTermId] = useState(course?.termId === null || !course ? "" : String(course.termId));
  const [capacity, setCapacity] = useState(
    course?.capacity === null || !course ? "" : String(course.capacity),
  );
  const [waitlistCapacity, setWaitlistCapacity] = useState(
    course && course.waitlistCapacity > 0 ? String(course.waitlistCapacity) : "",
  );
  const [saved, setSaved] = useState<string>();
  const errorId = useId();
  const titleId = useId();
  const fields = {
    name: useRef<HTMLInputElement>(null),
    level: useRef<HTMLInputElement>(null),
    code: useRef<HTMLInputElement>(null),
    termId: useRef<HTMLSelectElement>(null),
    capacity: useRef<HTMLInputElement>(null),
    waitlistCapacity: useRef<HTMLInputElement>(null),
  };
  const refresh = () => queryClient.invalidateQueries(trpc.courses.pathFilter());
  const create = useMutation(
    trpc.courses.create.mutationOptions({
      onSuccess: async (created) => {
        setName("");
        setLevel("");
        setCode("");
        setCapacity("");
        setWaitlistCapacity("");
        setSaved(`Added ${created.name} (course ${created.id}).`);
        await refresh();
      },
    }),
  );
  const update = useMutation(
    trpc.courses.update.mutationOptions({
      onSuccess: async (changed) => {
        queryClient.setQueryData(trpc.courses.byId.queryKey({ id: changed.id }), changed);
        setSaved("Changes saved.");
        await refresh();
        onSaved?.(changed);
      },
    }),
  );
  const mutation = course ? update : create;
  const error = mutation.error;
  const invalid = fieldsInError(error);
  // biome-ignore lint/correctness/useExhaustiveDependencies: `fields` holds refs, stable across renders
  useEffect(() => {
    const first = fieldsInError(error)[0];
    const field = first && first in fields ? fields[first as keyof typeof fields] : undefined;
    field?.current?.focus();
  }, [error]);
  const errorProps = (field: string) =>
    invalid.includes(field) ? { "aria-invalid": true, "aria-describedby": errorId } : {};
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mutation.isPending) return;
    setSaved(undefined);
    // Empty means: no seat limit, no code, no term, no waitlist. Numbers go to the server as
    // typed, so its validation message is the one people see.
    const values = {
      name,
      level,
      code: code.trim() === "" ? null : code.trim(),
      termId: termId === "" ? null : Number(termId),
      capacity: capacity.trim() === "" ? null : Number(capacity),
      waitlistCapacity: waitlistCapacity.trim() === "" ? 0 : Number(waitlistCapacity),
    };
    if (course) update.mutate({ id: course.id, ...values });
    else create.mutate(values);
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby={titleId}>
      <h2 id={titleId}>{course ? "Edit course" : "Add a course"}</h2>
      <div className="fields">
        <label>
          Course name
          <input
            ref={fields.name}
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
            maxLength={MAX_NAME_LENGTH}
            {...errorProps("name")}
          />
        </label>
        <label>
          Code
          <input
            ref={fields.code}
            value={code}
            onChange={(event) => setCode(event.target.value)}
            maxLength={MAX_COURSE_CODE_LENGTH}
            placeholder="e.g. MATH-101"
            {...errorProps("code")}
          />
        </label>
        <label>
          Term
          <select
            ref={fields.termId}
            value={termId}
            onChange={(event) => setTermId(event.target.value)}
            {...errorProps("termId")}
          >
            <option value="">No term</option>
            {terms.map((term) => (
              <option key={term.id} value={term.id}>
                {term.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Level
          <input
            ref={fields.level}
            value={level}
            onChange={(event) => setLevel(event.target.value)}
            required
            maxLength={MAX_NAME_LENGTH}
            {...errorProps("level")}
          />
        </label>
        <label>
          Capacity
          <input
            ref={fields.capacity}
            type="number"
            min={MIN_CAPACITY}
            max={MAX_CAPACITY}
            step={1}
            value={capacity}
            placeholder="No limit"
            onChange={(event) => setCapacity(event.target.value)}
            {...errorProps("capacity")}
          />
        </label>
        <label>
          Waitlist places
          <input
            ref={fields.waitlistCapacity}
            type="number"
            min={0}
            max={MAX_WAITLIST_CAPACITY}
            step={1}
            value={waitlistCapacity}
            placeholder="None"
            onChange={(event) => setWaitlistCapacity(event.target.value)}
            {...errorProps("waitlistCapacity")}
          />
        </label>
        <button
          type="submit"
          className="primary"
          // aria-disabled, not disabled: the button keeps the focus while the request runs
          aria-disabled={mutation.isPending}
          aria-describedby={error ? errorId : undefined}
        >
          {mutation.isPending ? "Saving…" : course ? "Save course" : "Add course"}
        </button>
      </div>
      <ErrorMessage error={error} id={errorId} />
      {saved && (
        <p role="status" className="success">
          {saved}
        </p>
      )}
    </form>
  );
}
