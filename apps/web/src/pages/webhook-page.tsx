import { MAX_EVENTS_PAGE_SIZE, type RouterOutputs } from "@registrar/sdk";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useId, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ConfirmDialog } from "../components/confirm-dialog.tsx";
import { DetailLoadError } from "../components/detail-load-error.tsx";
import { ErrorMessage } from "../components/error-message.tsx";
import { isRetrying, LoadError } from "../components/load-error.tsx";
import { LoadMoreButton } from "../components/load-more-button.tsx";
import { formatDateTime, formatPreciseDateTime } from "../dates.ts";
import { useDocumentTitle } from "../document-title.ts";
import { isEventTypePattern } from "../event-types.ts";
import { pagedQueryOptions } from "../paged-query.ts";
import { describeError, fieldsInError } from "../problem-messages.ts";
import { parseRouteId } from "../route-ids.ts";
import { useTRPC, useTRPCClient } from "../trpc.ts";
import { NotFoundPage } from "./not-found-page.tsx";
import type { WebhooksPageState } from "./webhooks-page.tsx";

type Webhook = RouterOutputs["webhooks"]["byId"];
type Delivery = RouterOutputs["webhooks"]["deliveries"]["deliveries"][number];

/** Delivery attempts per page of the table (webhooks-page.test.ts pages through it). */
const DELIVERIES_PAGE_SIZE = 20;
/** While the page is open its deliveries are fetched again this often: attempts keep coming. */
const REFRESH_MS = 5000;

export function WebhookPage() {
  const webhookId = parseRouteId(useParams().webhookId);
  if (webhookId === undefined) return <NotFoundPage />;
  return <WebhookDetails webhookId={webhookId} />;
}

/** One subscription: what it receives, its delivery attempts, a replay, and deleting it. */
function WebhookDetails({ webhookId }: { webhookId: number }) {
  const trpc = useTRPC();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  // its cursor ("done through") moves as deliveries go on, so it is fetched again with them
  const webhook = useQuery({
    ...trpc.webhooks.byId.queryOptions({ id: webhookId }),
    refetchInterval: REFRESH_MS,
  });
  const [deleting, setDeleting] = useState(false);
  const deleteErrorId = useId();
  const remove = useMutation(
    trpc.webhooks.delete.mutationOptions({
      onSuccess: async () => {
        setDeleting(false);
        await queryClient.invalidateQueries(trpc.webhooks.pathFilter());
        const state: WebhooksPageState = { done: `Deleted webhook ${webhookId}.` };
        navigate("/webhooks", { state });
      },
    }),
  );
  const missing = webhook.isError && describeError(webhook.error).code === "webhook_not_found";
  useDocumentTitle(missing ? "Webhook not found" : `Webhook ${webhookId}`);

  if (webhook.isError || isRetrying(webhook)) {
    return (
      <DetailLoadError
        heading={missing ? "Webhook not found" : `Webhook ${webhookId} could not be loaded`}
        load={webhook}
        what="the webhook"
        backTo="/webhooks"
        backLabel="Back to all webhooks"
      />
    );
  }
  if (webhook.isPending) return <p className="muted">Loading webhook…</p>;
  const { data } = webhook;
  return (
    <section aria-labelledby="webhook-title">
      <p className="breadcrumb">
        <Link to="/webhooks">Webhooks</Link> / Webhook {data.id}
      </p>
      <h1 id="webhook-title">Webhook {data.id}</h1>
      <dl className="facts">
        <dt>URL</dt>
        <dd className="webhook-url">{data.url}</dd>
        <dt>Events</dt>
        <dd>
          <code>{data.eventTypes.join(", ")}</code>
        </dd>
        <dt>Description</dt>
        <dd>{data.description ?? "none"}</dd>
        <dt>Added</dt>
        <dd>{formatDateTime(data.createdAt)}</dd>
        <dt>Done through event</dt>
        <dd>{data.deliveredThrough === "0" ? "none yet" : data.deliveredThrough}</dd>
      </dl>
      <p className="form-actions">
        <button
          type="button"
          className="danger"
          onClick={() => {
            remove.reset();
            setDeleting(true);
          }}
        >
          Delete webhook
        </button>
      </p>
      {deleting && (
        <ConfirmDialog
          title="Delete webhook?"
          confirmLabel="Delete webhook"
          busy={remove.isPending}
          confirmDescribedBy={remove.error ? deleteErrorId : undefined}
          onCancel={() => setDeleting(false)}
          onConfirm={() => remove.mutate({ id: webhookId })}
        >
          <p>
            Delete webhook {data.id} to <strong className="webhook-url">{data.url}</strong>? Nothing more is
            sent to it, and its delivery attempts are deleted with it. This cannot be undone.
          </p>
          <ErrorMessage error={remove.error} id={deleteErrorId} />
        </ConfirmDialog>
      )}
      <ReplayForm webhook={data} />
      <Deliveries webhook={data} />
    </section>
  );
}

/** Moves the subscription's cursor back (or forward): delivery goes on from that event. */
function ReplayForm({ webhook }: { webhook: Webhook }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const titleId = useId();
  const errorId = useId();
  const hintId = useId();
  const field = useRef<HTMLInputElement>(null);
  const [fromEventId, setFromEventId] = useState("");
  const [done, setDone] = useState<string>();
  const replay = useMutation(
    trpc.webhooks.replay.mutationOptions({
      onSuccess: async (_webhook, input) => {
        setDone(
          `Delivering again from event ${input.fromEventId}: the deliveries below show the new attempts.`,
        );
        setFromEventId("");
        await queryClient.invalidateQueries(trpc.webhooks.pathFilter());
      },
      onError: () => field.current?.focus(),
    }),
  );
  const invalid = fieldsInError(replay.error).includes("fromEventId");
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (replay.isPending) return;
    setDone(undefined);
    replay.mutate({ id: webhook.id, fromEventId: fromEventId.trim() });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby={titleId}>
      <h2 id={titleId}>Replay</h2>
      <p className="muted" id={hintId}>
        Delivers again every event this webhook subscribes to from the given event id on (the receiver sees
        their <code>webhook-id</code> again), then carries on with new events. An event still being retried is
        dropped for the replay.
      </p>
      <div className="fields">
        <label>
          From event id
          <input
            ref={field}
            value={fromEventId}
            onChange={(event) => setFromEventId(event.target.value)}
            required
            inputMode="numeric"
            maxLength={18}
            aria-describedby={invalid ? `${errorId} ${hintId}` : hintId}
            aria-invalid={invalid || undefined}
          />
        </label>
        <button
          type="submit"
          aria-disabled={replay.isPending}
          aria-describedby={replay.error ? errorId : undefined}
        >
          {replay.isPending ? "Replaying…" : "Replay from this event"}
        </button>
      </div>
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
      <ErrorMessage error={replay.error} id={errorId} />
    </form>
  );
}

function Deliveries({ webhook }: { webhook: Webhook }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const titleId = useId();
  const deliveries = useInfiniteQuery({
    ...pagedQueryOptions(trpc.webhooks.deliveries.queryKey, client.webhooks.deliveries.query, {
      id: webhook.id,
      limit: DELIVERIES_PAGE_SIZE,
    }),
    refetchInterval: REFRESH_MS,
  });
  const rows = deliveries.data?.pages.flatMap((page) => page.deliveries) ?? [];
  const typeOf = useEventTypes(webhook, rows);
  return (
    <section aria-labelledby={titleId}>
      <h2 id={titleId}>Deliveries</h2>
      <p className="toolbar">
        <span className="muted">
          Every attempt, oldest first; a failed one is retried with growing pauses until its last attempt.
        </span>
        {/* one label throughout: the automatic refreshes would otherwise make it flicker */}
        <button
          type="button"
          onClick={() => {
            if (deliveries.isFetching) return;
            void queryClient.invalidateQueries(trpc.webhooks.byId.queryFilter({ id: webhook.id }));
            void deliveries.refetch();
          }}
          aria-disabled={deliveries.isFetching}
        >
          Refresh deliveries
        </button>
      </p>
      {deliveries.isPending && !isRetrying(deliveries) && <p className="muted">Loading deliveries…</p>}
      <LoadError load={deliveries} what="deliveries" />
      {deliveries.isSuccess && rows.length === 0 && (
        <p className="empty-state">
          Nothing delivered yet. A webhook receives the events recorded after it was added: change a student,
          course, term or enrollment it subscribes to, and the attempt appears here.
        </p>
      )}
      {rows.length > 0 && (
        <table className="deliveries">
          <caption className="visually-hidden">
            Delivery attempts of webhook {webhook.id}, oldest first
          </caption>
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Type</th>
              <th scope="col">Attempt</th>
              <th scope="col">Result</th>
              <th scope="col">HTTP status</th>
              <th scope="col">Error</th>
              <th scope="col">Started</th>
              <th scope="col">Next attempt</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((delivery) => {
              const result = resultOf(delivery);
              return (
                <tr key={`${delivery.eventId}-${delivery.at}-${delivery.attempt}`}>
                  <td>{delivery.eventId}</td>
                  <td>{typeOf(delivery.eventId) ? <code>{typeOf(delivery.eventId)}</code> : "–"}</td>
                  <td>{delivery.attempt}</td>
                  <td className={result.className}>{result.text}</td>
                  <td>{delivery.statusCode ?? "none"}</td>
                  <td className="delivery-error">{delivery.error ?? "–"}</td>
                  <td>{formatPreciseDateTime(delivery.at)}</td>
                  <td>{delivery.nextAttemptAt ? formatPreciseDateTime(delivery.nextAttemptAt) : "–"}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <LoadMoreButton list={deliveries} label="Load more deliveries" />
    </section>
  );
}

function resultOf(delivery: Delivery): { text: string; className: string } {
  const { statusCode, error } = delivery;
  if (statusCode !== null && statusCode >= 200 && statusCode < 300) {
    return { text: "Delivered", className: "delivery-ok" };
  }
  if (statusCode === null && error === null) return { text: "Waiting for an answer", className: "" };
  return { text: "Failed", className: "delivery-failed" };
}

/**
 * The types of the events on the table. A delivery row carries its event's id only; the
 * feed (`events.list`) answers the types, from the oldest id shown on, in one request of
 * the subscription's own types. An event the feed no longer keeps (retention) has none.
 */
function useEventTypes(webhook: Webhook, rows: Delivery[]): (eventId: string) => string | undefined {
  const client = useTRPCClient();
  // bigints: an event id may pass 2^53 (it is a decimal string of up to 18 digits)
  let first: bigint | undefined;
  let last = 0n;
  for (const row of rows) {
    const id = BigInt(row.eventId);
    if (first === undefined || id < first) first = id;
    if (id > last) last = id;
  }
  const types = webhook.eventTypes.filter(isEventTypePattern);
  const events = useQuery({
    queryKey: ["webhook event types", webhook.id, String(first), String(last)],
    queryFn: () =>
      client.events.list.query({
        after: ((first ?? 1n) - 1n).toString(),
        limit: MAX_EVENTS_PAGE_SIZE,
        ...(types.length > 0 ? { types } : {}),
      }),
    enabled: first !== undefined,
    // an event never changes: its type, once known, stays
    staleTime: Number.POSITIVE_INFINITY,
  });
  const byId = new Map(events.data?.events.map((event) => [event.id, event.type]));
  return (eventId) => byId.get(eventId);
}
