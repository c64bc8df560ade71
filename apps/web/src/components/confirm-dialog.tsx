import { type ReactNode, useEffect, useRef } from "react";

/**
 * A modal confirmation (the native <dialog>, so focus is trapped and Escape cancels).
 * Rendered only while a question is open.
 */
export function ConfirmDialog({
  title,
  children,
  confirmLabel,
  busy,
  confirmDescribedBy,
  onConfirm,
  onCancel,
}: {
  title: string;
  children: ReactNode;
  confirmLabel: string;
  busy: boolean;
  /** the id of a message about the last attempt (its error), read with the confirm button */
  confirmDescribedBy?: string | undefined;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);
  return (
    <dialog
      ref={dialog}
      aria-labelledby="confirm-title"
      onCancel={(event) => {
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id="confirm-title" className="dialog-title">
        {title}
      </h2>
      {children}
      <div className="dialog-actions">
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button
          type="button"
          className="danger"
          onClick={() => {
            if (!busy) onConfirm();
          }}
          // aria-disabled, not disabled: the button keeps the focus while the request runs
          aria-disabled={busy}
          aria-describedby={confirmDescribedBy}
        >
          {busy ? "Working…" : confirmLabel}
        </button>
      </div>
    </dialog>
  );
}
