import react from "@vitejs/plugin-react";
import { defaultClientConditions, defineConfig } from "vite";

/** Where `pnpm dev` sends API calls; the Registrar server listens on :3000 by default. */
const apiOrigin = "http://127.0.0.1:3000";

export default defineConfig({
  // The server serves the build under /app/ (and index.html at /), so every asset URL
  // starts with /app/ and no page can shadow an API path.
  base: "/app/",
  plugins: [react()],
  // @registrar/sdk exports its TypeScript source under "@registrar/source" and its build
  // otherwise: the web UI bundles the source, so it never needs the SDK built first.
  resolve: { conditions: ["@registrar/source", ...defaultClientConditions] },
  build: { outDir: "dist", emptyOutDir: true },
  server: {
    port: 5173,
    proxy: {
      "/trpc": apiOrigin,
      "/health": apiOrigin,
      "/docs": apiOrigin,
      "/openapi.json": apiOrigin,
      "/oneroster": apiOrigin,
    },
  },
});
