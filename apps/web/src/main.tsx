import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { APP_BASE, App } from "./app.tsx";
import "./styles.css";

// The server answers `/` with this page too; the router only knows paths under /app.
if (!window.location.pathname.startsWith(`${APP_BASE}/`) && window.location.pathname !== APP_BASE) {
  window.history.replaceState(null, "", `${APP_BASE}/students`);
}

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
