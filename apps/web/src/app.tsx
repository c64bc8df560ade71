import { QueryClientProvider, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { BrowserRouter, Navigate, NavLink, Route, Routes, useLocation } from "react-router";
import { ApiKeyProvider } from "./api-key.tsx";
import { focusMainContent, mainContentId } from "./main-content.ts";
import { ApiKeyPage } from "./pages/api-key-page.tsx";
import { CoursesPage } from "./pages/courses-page.tsx";
import { NotFoundPage } from "./pages/not-found-page.tsx";
import { OneRosterPage } from "./pages/oneroster-page.tsx";
import { RosterPage } from "./pages/roster-page.tsx";
import { StudentPage } from "./pages/student-page.tsx";
import { StudentsPage } from "./pages/students-page.tsx";
import { TermsPage } from "./pages/terms-page.tsx";
import { WebhookPage } from "./pages/webhook-page.tsx";
import { WebhooksPage } from "./pages/webhooks-page.tsx";
import { createApiClient, createQueryClient, TRPCProvider } from "./trpc.ts";

/** Every page lives under /app/ so that none can shadow an API path. */
export const APP_BASE = "/app";

export function App() {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      {/* a new key means new answers: drop everything fetched with the old one */}
      <ApiKeyProvider onChange={() => queryClient.resetQueries()}>
        {(apiKey) => <ApiProvider apiKey={apiKey} />}
      </ApiKeyProvider>
    </QueryClientProvider>
  );
}

function ApiProvider({ apiKey }: { apiKey: string | undefined }) {
  const queryClient = useQueryClient();
  const trpcClient = useMemo(() => createApiClient(apiKey), [apiKey]);
  return (
    <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
      <BrowserRouter basename={APP_BASE}>
        {/* The first thing a keyboard reaches: past the navigation, straight to the page. */}
        <a
          className="skip-link"
          href={`#${mainContentId}`}
          onClick={(event) => {
            // focus without a #fragment in the URL, which the router would take for a new location
            event.preventDefault();
            focusMainContent();
          }}
        >
          Skip to main content
        </a>
        <FocusOnNavigation />
        <header className="site-header">
          <nav aria-label="Main">
            <span className="brand">Registrar</span>
            <NavLink to="/students">Students</NavLink>
            <NavLink to="/courses">Courses</NavLink>
            <NavLink to="/terms">Terms</NavLink>
            <NavLink to="/oneroster">OneRoster</NavLink>
            <NavLink to="/webhooks">Webhooks</NavLink>
            <NavLink to="/api-key">API key</NavLink>
            <a href="/docs">API reference</a>
          </nav>
        </header>
        <main id={mainContentId} tabIndex={-1}>
          <Routes>
            <Route index element={<Navigate to="/students" replace />} />
            <Route path="students" element={<StudentsPage />} />
            <Route path="students/:studentId" element={<StudentPage />} />
            <Route path="courses" element={<CoursesPage />} />
            <Route path="courses/:courseId" element={<RosterPage />} />
            <Route path="terms" element={<TermsPage />} />
            <Route path="oneroster" element={<OneRosterPage />} />
            <Route path="webhooks" element={<WebhooksPage />} />
            <Route path="webhooks/:webhookId" element={<WebhookPage />} />
            <Route path="api-key" element={<ApiKeyPage />} />
            <Route path="*" element={<NotFoundPage />} />
          </Routes>
        </main>
      </BrowserRouter>
    </TRPCProvider>
  );
}

/**
 * A new page in a single-page app keeps the focus on the link that was followed, so a
 * keyboard or screen-reader user would stay in the navigation: move it to the new page's
 * heading, as a full page load would start reading there. Not on the first load.
 */
function FocusOnNavigation() {
  const { pathname } = useLocation();
  const previous = useRef(pathname);
  useEffect(() => {
    if (previous.current === pathname) return;
    previous.current = pathname;
    focusMainContent();
  }, [pathname]);
  return null;
}
