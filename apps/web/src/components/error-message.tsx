import { describeError, type ErrorContext } from "../problem-messages.ts";

/** A failed call, in plain words, announced to screen readers. */
export function ErrorMessage({ error, context }: { error: unknown; context?: ErrorContext }) {
  if (!error) return null;
  const { message, details } = describeError(error, context);
  return (
    <div role="alert" className="error">
      <p>{message}</p>
      {details.length > 0 && (
        <ul>
          {details.map((detail) => (
            <li key={detail}>{detail}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
