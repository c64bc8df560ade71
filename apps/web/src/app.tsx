import { QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { BrowserRouter, Navigate, NavLink, Route, Routes } from "react-router";
import { CoursesPage } from "./pages/courses-page.tsx";
import { NotFoundPage } from "./pages/not-found-page.tsx";
import { RosterPage } from "./pages/roster-page.tsx";
import { StudentPage } from "./pages/student-page.tsx";
import { StudentsPage } from "./pages/students-page.tsx";
import { createApiClient, createQueryClient, TRPCProvider } from "./trpc.ts";

/** Every page lives under /app/ so that none can shadow an API path. */
export const APP_BASE = "/app";

export function App() {
  const [queryClient] = useState(createQueryClient);
  const [trpcClient] = useState(() => createApiClient());
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        <BrowserRouter basename={APP_BASE}>
          <header className="site-header">
            <nav aria-label="Main">
              <span className="brand">Registrar</span>
              <NavLink to="/students">Students</NavLink>
              <NavLink to="/courses">Courses</NavLink>
              <a href="/docs">API reference</a>
            </nav>
          </header>
          <main>
            <Routes>
              <Route index element={<Navigate to="/students" replace />} />
              <Route path="students" element={<StudentsPage />} />
              <Route path="students/:studentId" element={<StudentPage />} />
              <Route path="courses" element={<CoursesPage />} />
              <Route path="courses/:courseId" element={<RosterPage />} />
              <Route path="*" element={<NotFoundPage />} />
            </Routes>
          </main>
        </BrowserRouter>
      </TRPCProvider>
    </QueryClientProvider>
  );
}
