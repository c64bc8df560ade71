import { Link } from "react-router";
import { ErrorMessage } from "./error-message.tsx";

/** A detail page whose record could not be fetched: why, in plain words, and the way back. */
export function DetailLoadError({
  heading,
  error,
  backTo,
  backLabel,
}: {
  heading: string;
  error: unknown;
  backTo: string;
  backLabel: string;
}) {
  return (
    <section>
      <h1>{heading}</h1>
      <ErrorMessage error={error} />
      <p>
        <Link to={backTo}>{backLabel}</Link>
      </p>
    </section>
  );
}
