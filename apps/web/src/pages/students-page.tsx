import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { ErrorMessage } from "../components/error-message.tsx";
import { isRetrying, LoadError } from "../components/load-error.tsx";
import { LoadMoreButton } from "../components/load-more-button.tsx";
import { formatDateTime } from "../dates.ts";
import { useDocumentTitle } from "../document-title.ts";
import { pagedQueryOptions } from "../paged-query.ts";
import { fieldsInError } from "../problem-messages.ts";
import { useTRPC, useTRPCClient } from "../trpc.ts";

const PAGE_SIZE = 50;

export function StudentsPage() {
  useDocumentTitle("Students");
  const trpc = useTRPC();
  const client = useTRPCClient();
  const [search, setSearch] = useState("");
  const searchField = useRef<HTMLInputElement>(null);
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
            ref={searchField}
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

      {students.isPending && !isRetrying(students) && <p className="muted">Loading students…</p>}
      <LoadError load={students} what="students" />
      {students.isSuccess && loaded.length === 0 && (
        <p className="empty-state">
          No students yet. To add the first one, enter their name and email address under “Add a student”
          above and press Add student.
        </p>
      )}
      {needle && loaded.length > 0 && shown.length === 0 && (
        <div className="empty-state">
          <p>
            No student’s name or email contains “{search.trim()}”
            {students.hasNextPage ? " among the students loaded so far." : "."}
          </p>
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
      {shown.length > 0 && (
        <>
          <p className="muted table-note">Listed in the order they were added.</p>
          <table>
            <caption className="visually-hidden">Students, in the order they were added</caption>
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
        </>
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
  const errorId = useId();
  const nameField = useRef<HTMLInputElement>(null);
  const emailField = useRef<HTMLInputElement>(null);
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
  const invalid = fieldsInError(create.error);
  // The field the server blamed (a taken email) gets the focus, described by the message
  // beside it; any other failure leaves the focus on the button, which the message describes.
  useEffect(() => {
    const first = fieldsInError(create.error)[0];
    if (first === "name") nameField.current?.focus();
    if (first === "email") emailField.current?.focus();
  }, [create.error]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (create.isPending) return;
    create.mutate({ name, email });
  };
  const describedBy = (field: "name" | "email") => (invalid.includes(field) ? errorId : undefined);
  return (
    <form className="card" onSubmit={submit} aria-labelledby="new-student-title">
      <h2 id="new-student-title">Add a student</h2>
      <div className="fields">
        <label>
          Name
          <input
            ref={nameField}
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
            maxLength={200}
            aria-invalid={invalid.includes("name") || undefined}
            aria-describedby={describedBy("name")}
          />
        </label>
        <label>
          Email
          <input
            ref={emailField}
            type="email"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            required
            maxLength={254}
            aria-invalid={invalid.includes("email") || undefined}
            aria-describedby={describedBy("email")}
          />
        </label>
        <button
          type="submit"
          className="primary"
          // aria-disabled, not disabled: the button keeps the focus while the request runs
          aria-disabled={create.isPending}
          aria-describedby={create.error ? errorId : undefined}
        >
          {create.isPending ? "Adding…" : "Add student"}
        </button>
      </div>
      <ErrorMessage error={create.error} id={errorId} />
    </form>
  );
}
