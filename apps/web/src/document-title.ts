import { useEffect } from "react";

const productName = "Registrar";

/**
 * Names the browser tab (and the page a screen reader announces on arrival) after what the
 * page shows, e.g. "Students — Registrar"; every page of a single-page app is otherwise
 * titled the same.
 */
export function useDocumentTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} — ${productName}`;
  }, [title]);
}
