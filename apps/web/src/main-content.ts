/** The id of the page's <main>: the skip link's target. */
export const mainContentId = "main-content";

/**
 * Moves keyboard focus to the start of the page's content: its first heading when it has one
 * (a screen reader then reads where the reader is), else <main> itself. For moments when the
 * focused element goes away, such as a new page, a removed row or a list that loaded on retry.
 */
export function focusMainContent(): void {
  const main = document.getElementById(mainContentId);
  if (!main) return;
  const heading = main.querySelector<HTMLElement>("h1");
  const target = heading ?? main;
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus();
}
