import { Link } from "react-router";
import { type FailedLoad, LoadError } from "./load-error.tsx";

/**
 * A detail page whose record could not be fetched: why, in plain words, a Retry button when
 * trying again may help, and the way back.
 */
export function DetailLoadError({
  heading,
  load,
  what,
  backTo,
  backLabel,
}: {
  heading: string;
  load: FailedLoad;
  /** what the Retry button loads, e.g. "the student" */
  what: string;
  backTo: string;
  backLabel: string;
}) {
  return (
    <section>
      <h1>{heading}</h1>
      <LoadError load={load} what={what} />
      <p>
        <Link to={backTo}>{backLabel}</Link>
      </p>
    </section>
  );
}
