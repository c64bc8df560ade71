import { MAX_NAME_LENGTH } from "@registrar/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { ErrorMessage } from "../components/error-message.tsx";
import { isRetrying, LoadError } from "../components/load-error.tsx";
import { useDocumentTitle } from "../document-title.ts";
import { focusMainContent } from "../main-content.ts";
import { fieldsInError } from "../problem-messages.ts";
import { type Term, useTerms } from "../terms.ts";
import { useTRPC } from "../trpc.ts";

const termTypes = [
  ["term", "Term"],
  ["semester", "Semester"],
  ["schoolYear", "School year"],
  ["gradingPeriod", "Grading period"],
] as const;
type TermType = (typeof termTypes)[number][0];
const typeLabel = (type: TermType) => termTypes.find(([value]) => value === type)?.[1] ?? type;

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });
/** A calendar date (`2026-09-01`) in the reader's words, the same day everywhere. */
function formatDate(date: string): string {
  const parsed = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(parsed.getTime()) ? date : dateFormat.format(parsed);
}

/** Terms (a semester, a school year): create, change, delete; courses belong to one. */
export function TermsPage() {
  useDocumentTitle("Terms");
  const { query, terms } = useTerms();
  const [editing, setEditing] = useState<Term>();
  const [deleting, setDeleting] = useState<Term>();
  const [done, setDone] = useState<string>();
  const loaded = query.isSuccess && !query.hasNextPage;
  return (
    <section aria-labelledby="terms-title">
      <h1 id="terms-title">Terms</h1>
      <TermForm
        key={editing?.id ?? "new"}
        term={editing}
        onDone={(message) => {
          setEditing(undefined);
          setDone(message);
        }}
      />
      <h2>All terms</h2>
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
      {!loaded && !query.isError && !isRetrying(query) && <p className="muted">Loading terms…</p>}
      <LoadError load={query} what="terms" />
      {loaded && terms.length === 0 && (
        <p className="empty-state">
          No terms yet. To add the first one, enter its name and dates under “Add a term” above and press Add
          term; courses can then be given that term.
        </p>
      )}
      {terms.length > 0 && (
        <table>
          <caption className="visually-hidden">Terms, in the order they were added</caption>
          <thead>
            <tr>
              <th scope="col">Term</th>
              <th scope="col">Type</th>
              <th scope="col">Starts</th>
              <th scope="col">Ends</th>
              <th scope="col">ID</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {terms.map((term) => (
              <tr key={term.id}>
                <td>{term.name}</td>
                <td>{typeLabel(term.type)}</td>
                <td>{formatDate(term.startsOn)}</td>
                <td>{formatDate(term.endsOn)}</td>
                <td>{term.id}</td>
                <td className="actions">
                  <button
                    type="button"
                    aria-label={`Edit ${term.name}`}
                    onClick={() => {
                      setDone(undefined);
                      setEditing(term);
                    }}
                  >
                    Edit
                  </button>{" "}
                  <button
                    type="button"
                    aria-label={`Delete ${term.name}`}
                    onClick={() => {
                      setDone(undefined);
                      setDeleting(term);
                    }}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {deleting && (
        <DeleteTermDialog
          term={deleting}
          onClose={(message) => {
            setDeleting(undefined);
            if (message) {
              setDone(message);
              focusMainContent();
            }
          }}
        />
      )}
    </section>
  );
}

function DeleteTermDialog({ term, onClose }: { term: Term; onClose: (message?: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorId = useId();
  const remove = useMutation(
    trpc.terms.delete.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.terms.pathFilter());
        onClose(`Deleted ${term.name}.`);
      },
    }),
  );
  return (
    <ConfirmDialog
      title="Delete term?"
      confirmLabel="Delete term"
      busy={remove.isPending}
      confirmDescribedBy={remove.error ? errorId : undefined}
      onCancel={() => onClose()}
      onConfirm={() => remove.mutate({ id: term.id })}
    >
      <p>
        Delete <strong>{term.name}</strong>? A term that courses still belong to is not deleted.
      </p>
      {/* term_in_use appears here, right under the text and beside the button pressed */}
      <ErrorMessage error={remove.error} id={errorId} />
    </ConfirmDialog>
  );
}

/** Adds a term, or (given `term`) changes one. */
function TermForm({ term, onDone }: { term: Term | undefined; onDone: (message: string) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const errorId = useId();
  const [name, setName] = useState(term?.name ?? "");
  const [type, setType] = useState<TermType>(term?.type ?? "term");
  const [startsOn, setStartsOn] = useState(term?.startsOn ?? "");
  const [endsOn, setEndsOn] = useState(term?.endsOn ?? "");
  const nameField = useRef<HTMLInputElement>(null);
  const startsField = useRef<HTMLInputElement>(null);
  const endsField = useRef<HTMLInputElement>(null);
  const refresh = () => queryClient.invalidateQueries(trpc.terms.pathFilter());
  const create = useMutation(
    trpc.terms.create.mutationOptions({
      onSuccess: async (created) => {
        setName("");
        setStartsOn("");
        setEndsOn("");
        await refresh();
        onDone(`Added ${created.name} (term ${created.id}).`);
      },
    }),
  );
  const update = useMutation(
    trpc.terms.update.mutationOptions({
      onSuccess: async (changed) => {
        await refresh();
        onDone(`Saved ${changed.name}.`);
      },
    }),
  );
  const mutation = term ? update : create;
  const error = mutation.error;
  const invalid = fieldsInError(error);
  useEffect(() => {
    const first = fieldsInError(error)[0];
    if (first === "name") nameField.current?.focus();
    if (first === "startsOn") startsField.current?.focus();
    if (first === "endsOn") endsField.current?.focus();
  }, [error]);
  useEffect(() => {
    if (term) nameField.current?.focus();
  }, [term]);
  const errorProps = (field: string) =>
    invalid.includes(field) ? { "aria-invalid": true, "aria-describedby": errorId } : {};
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (mutation.isPending) return;
    if (term) update.mutate({ id: term.id, name, type, startsOn, endsOn });
    else create.mutate({ name, type, startsOn, endsOn });
  };
  const titleId = useId();
  return (
    <form className="card" onSubmit={submit} aria-labelledby={titleId}>
      <h2 id={titleId}>{term ? `Edit ${term.name}` : "Add a term"}</h2>
      <div className="fields">
        <label>
          Term name
          <input
            ref={nameField}
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
            maxLength={MAX_NAME_LENGTH}
            placeholder="Fall 2026"
            {...errorProps("name")}
          />
        </label>
        <label>
          Type
          <select value={type} onChange={(event) => setType(event.target.value as TermType)}>
            {termTypes.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Starts on
          <input
            ref={startsField}
            type="date"
            value={startsOn}
            onChange={(event) => setStartsOn(event.target.value)}
            required
            {...errorProps("startsOn")}
          />
        </label>
        <label>
          Ends on
          <input
            ref={endsField}
            type="date"
            value={endsOn}
            onChange={(event) => setEndsOn(event.target.value)}
            required
            {...errorProps("endsOn")}
          />
        </label>
        <button
          type="submit"
          className="primary"
          aria-disabled={mutation.isPending}
          aria-describedby={error ? errorId : undefined}
        >
          {mutation.isPending ? "Saving…" : term ? "Save term" : "Add term"}
        </button>
        {term && (
          <button type="button" onClick={() => onDone("Nothing was changed.")}>
            Cancel
          </button>
        )}
      </div>
      <ErrorMessage error={error} id={errorId} />
    </form>
  );
}
