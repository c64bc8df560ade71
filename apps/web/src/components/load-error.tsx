import { useId, useRef } from "react";
import { focusMainContent } from "../main-content.ts";
import { retryMayHelp } from "../problem-messages.ts";
import { ErrorMessage } from "./error-message.tsx";

/** The state of a query that may have failed, as `useQuery` and `useInfiniteQuery` give it. */
export type FailedLoad = {
  error: unknown;
  isPending: boolean;
  isFetching: boolean;
  errorUpdateCount: number;
  refetch: () => Promise<{ isSuccess: boolean }>;
};

/**
 * What could not be loaded, in plain words, and a Retry button where trying again may help
 * (the server was unreachable, busy or failing; not for a record that does not exist).
 * The button stays while the retry runs, so the keyboard focus stays on it; when the data
 * arrives the button goes away and focus moves to the page's heading instead of the void.
 */
export function LoadError({ load, what }: { load: FailedLoad; what: string }) {
  const messageId = useId();
  const button = useRef<HTMLButtonElement>(null);
  const retrying = isRetrying(load) || (Boolean(load.error) && load.isFetching);
  if (!load.error && !retrying) return null;
  const retry = async () => {
    if (retrying) return;
    const hadFocus = document.activeElement === button.current;
    const result = await load.refetch();
    if (result.isSuccess && hadFocus) focusMainContent();
  };
  return (
    <div className="load-error">
      {load.error ? (
        <ErrorMessage error={load.error} id={messageId} />
      ) : (
        <p className="muted" id={messageId} role="status">
          Loading {what} again…
        </p>
      )}
      {(retrying || retryMayHelp(load.error)) && (
        <p>
          <button
            ref={button}
            type="button"
            onClick={retry}
            aria-describedby={messageId}
            // aria-disabled, not disabled: a disabled button would drop the keyboard focus
            aria-disabled={retrying}
          >
            {retrying ? "Retrying…" : `Retry loading ${what}`}
          </button>
        </p>
      )}
    </div>
  );
}

/**
 * A query that failed and is now being fetched again (by a Retry): without data, TanStack Query
 * puts it back to "pending" with no error, which a page would otherwise show as a first load
 * (and so drop the Retry button that has the focus).
 */
export function isRetrying(query: { isPending: boolean; isFetching: boolean; errorUpdateCount: number }) {
  return query.isPending && query.isFetching && query.errorUpdateCount > 0;
}
