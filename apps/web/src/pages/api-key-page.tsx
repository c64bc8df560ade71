import { type FormEvent, useState } from "react";
import { useApiKey } from "../api-key.tsx";
import { useDocumentTitle } from "../document-title.ts";

/** Where a key is entered when the server runs with AUTH=required. */
export function ApiKeyPage() {
  useDocumentTitle("API key");
  const { apiKey, setApiKey } = useApiKey();
  const [draft, setDraft] = useState("");
  const [saved, setSaved] = useState<string>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const key = draft.trim();
    if (!key) return;
    setApiKey(key);
    setDraft("");
    setSaved("The API key is saved for this browser tab.");
  };
  return (
    <section>
      <h1>API key</h1>
      <p className="muted">
        A server started with <code>AUTH=required</code> answers only requests that carry an API key (create
        one with <code>pnpm keys</code>). The key is kept in this browser tab only and sent with every
        request.
      </p>
      <form className="card" onSubmit={submit}>
        <p>{apiKey ? "An API key is set." : "No API key is set."}</p>
        <div className="fields">
          <label>
            API key
            <input
              type="password"
              autoComplete="off"
              value={draft}
              onChange={(event) => setDraft(event.target.value)}
            />
          </label>
          <button type="submit" className="primary" disabled={!draft.trim()}>
            Save key
          </button>
          {apiKey && (
            <button
              type="button"
              onClick={() => {
                setApiKey(undefined);
                setSaved("The API key is forgotten.");
              }}
            >
              Forget key
            </button>
          )}
        </div>
        {saved && (
          <p role="status" className="success">
            {saved}
          </p>
        )}
      </form>
    </section>
  );
}
