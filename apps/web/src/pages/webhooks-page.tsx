import type { RouterOutputs } from "@registrar/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useRef, useState } from "react";
import { Link, useLocation } from "react-router";
import { ErrorMessage } from "../components/error-message.tsx";
import { chosenEventTypes, EventTypePicker } from "../components/event-type-picker.tsx";
import { isRetrying, LoadError } from "../components/load-error.tsx";
import { WebhookSecret } from "../components/webhook-secret.tsx";
import { formatDateTime } from "../dates.ts";
import { useDocumentTitle } from "../document-title.ts";
import type { EventTypePattern } from "../event-types.ts";
import { fieldsInError } from "../problem-messages.ts";
import { useTRPC } from "../trpc.ts";

type CreatedWebhook = RouterOutputs["webhooks"]["create"];

/** What the webhook page says after a deletion, handed over in the location's state. */
export type WebhooksPageState = { done?: string };

const MAX_URL_LENGTH = 2048;
const MAX_DESCRIPTION_LENGTH = 1000;

/**
 * Webhook subscriptions (admin only): the list, and a form to add one, after which its
 * signing secret is shown, once. Each links to its deliveries (webhook-page.tsx).
 */
export function WebhooksPage() {
  useDocumentTitle("Webhooks");
  const trpc = useTRPC();
  const webhooks = useQuery(trpc.webhooks.list.queryOptions());
  const [created, setCreated] = useState<CreatedWebhook>();
  const state = useLocation().state as WebhooksPageState | null;
  const done = state?.done;
  const list = webhooks.data?.webhooks ?? [];
  return (
    <section aria-labelledby="webhooks-title">
      <h1 id="webhooks-title">Webhooks</h1>
      <p className="muted">
        Registrar POSTs every change it records (students, courses, terms, enrollments) to the URLs subscribed
        here, signed per Standard Webhooks, retried with backoff until the receiver answers 2xx. Managing
        webhooks needs an admin key when the server requires keys.
      </p>
      <WebhookForm onCreated={setCreated} />
      {created && (
        <WebhookSecret
          key={created.id}
          webhookId={created.id}
          secret={created.secret}
          onDismiss={() => setCreated(undefined)}
        />
      )}
      <h2>All webhooks</h2>
      {done && (
        <p role="status" className="success">
          {done}
        </p>
      )}
      {webhooks.isPending && !isRetrying(webhooks) && <p className="muted">Loading webhooks…</p>}
      <LoadError load={webhooks} what="webhooks" />
      {webhooks.isSuccess && list.length === 0 && (
        <p className="empty-state">
          No webhooks yet. To add the first one, enter the receiver’s URL under “Add a webhook” above, choose
          the events to send and press Add webhook.
        </p>
      )}
      {list.length > 0 && (
        <table>
          <caption className="visually-hidden">Webhooks, in the order they were added</caption>
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">Description</th>
              <th scope="col">Added</th>
              <th scope="col">Done through event</th>
              <th scope="col">ID</th>
            </tr>
          </thead>
          <tbody>
            {list.map((webhook) => (
              <tr key={webhook.id}>
                <td className="webhook-url">
                  <Link to={`/webhooks/${webhook.id}`}>{webhook.url}</Link>
                </td>
                <td>
                  <code>{webhook.eventTypes.join(", ")}</code>
                </td>
                <td>{webhook.description ?? "–"}</td>
                <td>{formatDateTime(webhook.createdAt)}</td>
                <td>{webhook.deliveredThrough === "0" ? "none yet" : webhook.deliveredThrough}</td>
                <td>{webhook.id}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function WebhookForm({ onCreated }: { onCreated: (webhook: CreatedWebhook) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const titleId = useId();
  const errorId = useId();
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [eventTypes, setEventTypes] = useState<Set<EventTypePattern>>(new Set());
  const urlField = useRef<HTMLInputElement>(null);
  const descriptionField = useRef<HTMLInputElement>(null);
  const firstEventBox = useRef<HTMLInputElement>(null);
  const create = useMutation(
    trpc.webhooks.create.mutationOptions({
      onSuccess: async (webhook) => {
        setUrl("");
        setDescription("");
        setEventTypes(new Set());
        await queryClient.invalidateQueries(trpc.webhooks.list.queryFilter());
        onCreated(webhook);
      },
    }),
  );
  const invalid = fieldsInError(create.error);
  useEffect(() => {
    const first = fieldsInError(create.error)[0];
    if (first === "url") urlField.current?.focus();
    else if (first === "eventTypes") firstEventBox.current?.focus();
    else if (first === "description") descriptionField.current?.focus();
  }, [create.error]);
  const errorProps = (blamed: boolean) =>
    blamed ? { "aria-invalid": true, "aria-describedby": errorId } : {};
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (create.isPending) return;
    create.mutate({
      url: url.trim(),
      eventTypes: chosenEventTypes(eventTypes),
      ...(description.trim() ? { description: description.trim() } : {}),
    });
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby={titleId}>
      <h2 id={titleId}>Add a webhook</h2>
      <div className="fields">
        <label className="wide-field">
          Receiver URL
          <input
            ref={urlField}
            type="url"
            value={url}
            onChange={(event) => setUrl(event.target.value)}
            required
            maxLength={MAX_URL_LENGTH}
            placeholder="https://lms.example.org/registrar-hooks"
            autoComplete="url"
            {...errorProps(invalid.includes("url"))}
          />
        </label>
        <label className="wide-field">
          Description (optional)
          <input
            ref={descriptionField}
            value={description}
            onChange={(event) => setDescription(event.target.value)}
            maxLength={MAX_DESCRIPTION_LENGTH}
            placeholder="LMS enrollment sync"
            {...errorProps(invalid.includes("description"))}
          />
        </label>
      </div>
      <EventTypePicker
        selected={eventTypes}
        onChange={setEventTypes}
        firstBox={firstEventBox}
        describedBy={invalid.includes("eventTypes") ? errorId : undefined}
      />
      <div className="form-actions">
        <button
          type="submit"
          className="primary"
          aria-disabled={create.isPending}
          aria-describedby={create.error ? errorId : undefined}
        >
          {create.isPending ? "Adding…" : "Add webhook"}
        </button>
      </div>
      <ErrorMessage error={create.error} id={errorId} />
    </form>
  );
}
