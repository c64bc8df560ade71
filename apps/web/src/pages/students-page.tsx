import { MAX_NAME_LENGTH } from "@registrar/sdk";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useNavigate } from "react-router";
import { ErrorMessage } from "../components/error-message.tsx";
import { LoadMoreButton } from "../components/load-more-button.tsx";
import { formatDateTime } from "../dates.ts";
import { pagedQueryOptions } from "../paged-query.ts";
import { useTRPC, useTRPCClient } from "../trpc.ts";

const PAGE_SIZE = 50;

export function StudentsPage() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [search, setSearch] = useState("");
  const students = useInfiniteQuery(
    pagedQueryOptions(trpc.students.list.queryKey, client.students.list.query, { limit: PAGE_SIZE }),
  );
  const loaded = students.data?.pages.flatMap((page) => page.students) ?? [];
  const needle = search.trim().toLowerCase();
  const shown = needle
    ? loaded.filter(
        (student) =>
          student.name.toLowerCase().includes(needle) || student.email.toLowerCase().includes(needle),
      )
    : loaded;

  return (
    <section aria-labelledby="students-title">
      <h1 id="students-title">Students</h1>
      <NewStudentForm />

      <h2>All students</h2>
      <div className="toolbar">
        <label>
          Search students
          <input
            type="search"
            value={search}
            placeholder="Name or email"
            onChange={(event) => setSearch(event.target.value)}
          />
        </label>
        <span className="muted" aria-live="polite">
          {students.isSuccess &&
            (needle
              ? `${shown.length} of ${loaded.length} loaded students match`
              : `${loaded.length} student${loaded.length === 1 ? "" : "s"} shown`)}
        </span>
      </div>

      {students.isPending && <p className="muted">Loading students…</p>}
      <ErrorMessage error={students.error} />
      {students.isSuccess && loaded.length === 0 && (
        <p className="muted">No students yet. Add the first one above.</p>
      )}
      {shown.length > 0 && (
        <table>
          <caption className="visually-hidden">Students</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Added</th>
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
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <LoadMoreButton list={students} label="Load more students">
        {needle && <span className="muted"> Search covers the students loaded so far.</span>}
      </LoadMoreButton>
    </section>
  );
}

function NewStudentForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
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
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ name, email });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby="new-student-title">
      <h2 id="new-student-title">Add a student</h2>
      <div className="fields">
        <label>
          Name
          <input
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
            maxLength={MAX_NAME_LENGTH}
          />
        </label>
        <label>
          Email
          <input
            type="email"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            required
            maxLength={254}
          />
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          {create.isPending ? "Adding…" : "Add student"}
        </button>
      </div>
      <ErrorMessage error={create.error} />
    </form>
  );
}
