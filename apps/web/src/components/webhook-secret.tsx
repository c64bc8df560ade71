import { useEffect, useId, useRef, useState } from "react";

/**
 * A new webhook's signing secret, the one time the server answers it. It lives in this
 * component's state only (not in the query cache, not in storage): once dismissed, or after
 * a reload, it is gone from the browser as it is from the API.
 */
export function WebhookSecret({
  webhookId,
  secret,
  onDismiss,
}: {
  webhookId: number;
  secret: string;
  onDismiss: () => void;
}) {
  const titleId = useId();
  const fieldId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const field = useRef<HTMLInputElement>(null);
  const [copied, setCopied] = useState("");
  // a screen reader starts reading here: the warning comes before the secret
  useEffect(() => heading.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("Copied the secret to the clipboard.");
    } catch {
      // no clipboard access (an older browser, a denied permission): leave it selected to copy by hand
      field.current?.select();
      setCopied("The browser did not allow copying: the secret is selected, press Ctrl+C (⌘C) to copy it.");
    }
  };
  return (
    <section className="card secret-card" aria-labelledby={titleId}>
      <h2 id={titleId} ref={heading} tabIndex={-1}>
        Signing secret of webhook {webhookId}
      </h2>
      <p>
        <strong>Copy this secret now: you will not see it again.</strong> Registrar keeps it encrypted and
        never shows it a second time. The receiver needs it to check the <code>webhook-signature</code> header
        of every delivery (<code>verifyWebhook</code> in <code>@registrar/sdk</code>, or any Standard Webhooks
        library). If it is lost, delete this webhook and add a new one.
      </p>
      <div className="fields">
        <label htmlFor={fieldId}>
          Signing secret
          <input
            id={fieldId}
            ref={field}
            className="secret-value"
            readOnly
            value={secret}
            spellCheck={false}
            autoComplete="off"
            onFocus={(event) => event.target.select()}
          />
        </label>
        <button type="button" className="primary" onClick={copy}>
          Copy secret
        </button>
        <button type="button" onClick={onDismiss}>
          Done, hide the secret
        </button>
      </div>
      <p role="status" className={copied ? "success" : "visually-hidden"}>
        {copied}
      </p>
    </section>
  );
}
