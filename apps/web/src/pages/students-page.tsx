import { DEFAULT_PAGE_SIZE } from "@registrar/sdk";
import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { isRetrying, LoadError } from "../components/load-error.tsx";
import { LoadMoreButton } from "../components/load-more-button.tsx";
import { SortableHeader, type SortState, sortDescription } from "../components/sortable-header.tsx";
import { StudentForm } from "../components/student-form.tsx";
import { formatDateTime } from "../dates.ts";
import { useDebouncedValue } from "../debounce.ts";
import { useDocumentTitle } from "../document-title.ts";
import { pagedQueryOptions } from "../paged-query.ts";
import { useTRPC, useTRPCClient } from "../trpc.ts";

const PAGE_SIZE = DEFAULT_PAGE_SIZE;

type StudentSort = "id" | "name" | "email" | "createdAt";
const columnLabels: Record<StudentSort, string> = {
  id: "ID",
  name: "Name",
  email: "Email",
  createdAt: "Added",
};

export function StudentsPage() {
  useDocumentTitle("Students");
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [search, setSearch] = useState("");
  // the server searches and sorts all students; it is asked when the typing pauses
  const needle = useDebouncedValue(search.trim());
  const [sort, setSort] = useState<SortState<StudentSort>>({ key: "id", direction: "ascending" });
  const searchField = useRef<HTMLInputElement>(null);
  const students = useInfiniteQuery({
    ...pagedQueryOptions(trpc.students.list.queryKey, client.students.list.query, {
      limit: PAGE_SIZE,
      ...(needle ? { q: needle } : {}),
      sort: sort.key,
      order: sort.direction === "ascending" ? ("asc" as const) : ("desc" as const),
    }),
    // the table stays while the next order or search loads, so a sort button keeps the focus
    placeholderData: keepPreviousData,
  });
  const shown = students.data?.pages.flatMap((page) => page.students) ?? [];
  const settled = students.isSuccess && !students.isPlaceholderData;
  const clearSearch = () => {
    setSearch("");
    searchField.current?.focus();
  };

  return (
    <section aria-labelledby="students-title">
      <h1 id="students-title">Students</h1>
      <NewStudentForm />

      <h2>All students</h2>
      <div className="toolbar">
        <label>
          Search students
          <input
            ref={searchField}
            type="search"
            value={search}
            placeholder="Name or email"
            onChange={(event) => setSearch(event.target.value)}
          />
        </label>
        <span className="muted" aria-live="polite">
          {settled &&
            (needle
              ? `${shown.length}${students.hasNextPage ? "+" : ""} matching student${shown.length === 1 ? "" : "s"} shown`
              : `${shown.length}${students.hasNextPage ? "+" : ""} student${shown.length === 1 ? "" : "s"} shown`)}
        </span>
      </div>

      {students.isPending && !isRetrying(students) && <p className="muted">Loading students…</p>}
      <LoadError load={students} what="students" />
      {settled && !needle && shown.length === 0 && (
        <p className="empty-state">
          No students yet. To add the first one, enter their name and email address under “Add a student”
          above and press Add student.
        </p>
      )}
      {settled && needle && shown.length === 0 && (
        <div className="empty-state">
          <p>No student’s name or email contains “{needle}”. The search covers every student.</p>
          <p>
            <button type="button" onClick={clearSearch}>
              Clear the search
            </button>
          </p>
        </div>
      )}
      {shown.length > 0 && (
        <table aria-busy={students.isPlaceholderData || undefined}>
          <caption className="visually-hidden">
            Students{needle ? ` matching “${needle}”` : ""},{" "}
            {sortDescription(columnLabels[sort.key], sort.direction)}
          </caption>
          <thead>
            <tr>
              {(["name", "email", "createdAt", "id"] as const).map((key) => (
                <SortableHeader key={key} sortKey={key} sort={sort} onSort={setSort}>
                  {columnLabels[key]}
                </SortableHeader>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((student) => (
              <tr key={student.id}>
                <td>
                  <Link to={`/students/${student.id}`}>{student.name}</Link>
                </td>
                <td>{student.email}</td>
                <td>{formatDateTime(student.createdAt)}</td>
                <td>{student.id}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton list={students} label="Load more students" />
    </section>
  );
}

function NewStudentForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const create = useMutation(
    trpc.students.create.mutationOptions({
      onSuccess: (student) => {
        // The answer is the student's page data, so that page needs no request of its own;
        // and it need not wait for the list it leaves to be fetched again.
        queryClient.setQueryData(trpc.students.byId.queryKey({ id: student.id }), student);
        void queryClient.invalidateQueries(trpc.students.list.pathFilter());
        navigate(`/students/${student.id}`);
      },
    }),
  );
  return (
    <StudentForm
      title="Add a student"
      initial={{ name: "", email: "" }}
      submitLabel="Add student"
      pendingLabel="Adding…"
      pending={create.isPending}
      error={create.error}
      onSubmit={(fields) => create.mutate(fields)}
    />
  );
}
