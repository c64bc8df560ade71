import { Link } from "react-router";
import { describeError, type ErrorContext } from "../problem-messages.ts";

/**
 * A failed call, in plain words, announced to screen readers. Rendered beside what failed
 * (the form, the button, the list); `id` lets that control point at it with aria-describedby.
 */
export function ErrorMessage({
  error,
  context,
  id,
}: {
  error: unknown;
  context?: ErrorContext;
  id?: string;
}) {
  if (!error) return null;
  const { code, message, details } = describeError(error, context);
  return (
    <div role="alert" className="error" id={id}>
      <p>
        {message}
        {(code === "unauthorized" || code === "forbidden") && (
          <>
            {" "}
            <Link to="/api-key">Enter an API key</Link>.
          </>
        )}
      </p>
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
