import { Link } from "react-router";
import { describeError, type ErrorContext } from "../problem-messages.ts";

/** A failed call, in plain words, announced to screen readers. */
export function ErrorMessage({ error, context }: { error: unknown; context?: ErrorContext }) {
  if (!error) return null;
  const { code, message, details } = describeError(error, context);
  return (
    <div role="alert" className="error">
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
