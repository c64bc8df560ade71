import { MAX_EMAIL_LENGTH, MAX_NAME_LENGTH } from "@registrar/sdk";
import { useEffect, useId, useRef, useState } from "react";
import { fieldsInError } from "../problem-messages.ts";
import { ErrorMessage } from "./error-message.tsx";

export type StudentFields = { name: string; email: string };

/**
 * A student's name and email as a form: adding a student (students page) and editing one
 * (student page). The field the server blamed (a taken email) gets the focus, described by
 * the message beside it; any other failure leaves the focus on the button, which the message
 * describes.
 */
export function StudentForm(props: {
  title: string;
  initial: StudentFields;
  submitLabel: string;
  pendingLabel: string;
  pending: boolean;
  error: unknown;
  /** Focus the name field when the form appears (the edit form, opened by a button). */
  focusOnMount?: boolean;
  onSubmit: (fields: StudentFields) => void;
}) {
  const titleId = useId();
  const errorId = useId();
  const nameField = useRef<HTMLInputElement>(null);
  const emailField = useRef<HTMLInputElement>(null);
  const [name, setName] = useState(props.initial.name);
  const [email, setEmail] = useState(props.initial.email);
  const invalid = fieldsInError(props.error);
  useEffect(() => {
    const first = fieldsInError(props.error)[0];
    if (first === "name") nameField.current?.focus();
    if (first === "email") emailField.current?.focus();
  }, [props.error]);
  const focusOnMount = props.focusOnMount === true;
  useEffect(() => {
    if (focusOnMount) nameField.current?.focus();
  }, [focusOnMount]);
  const describedBy = (field: keyof StudentFields) => (invalid.includes(field) ? errorId : undefined);
  return (
    <form
      className="card"
      aria-labelledby={titleId}
      onSubmit={(event) => {
        event.preventDefault();
        if (!props.pending) props.onSubmit({ name, email });
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      <div className="fields">
        <label>
          Name
          <input
            ref={nameField}
            value={name}
            onChange={(event) => setName(event.target.value)}
            required
            maxLength={MAX_NAME_LENGTH}
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
            maxLength={MAX_EMAIL_LENGTH}
            aria-invalid={invalid.includes("email") || undefined}
            aria-describedby={describedBy("email")}
          />
        </label>
        <button
          type="submit"
          className="primary"
          // aria-disabled, not disabled: the button keeps the focus while the request runs
          aria-disabled={props.pending}
          aria-describedby={props.error ? errorId : undefined}
        >
          {props.pending ? props.pendingLabel : props.submitLabel}
        </button>
      </div>
      <ErrorMessage error={props.error} id={errorId} />
    </form>
  );
}
