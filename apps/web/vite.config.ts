import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** Where `pnpm dev` sends API calls; the Registrar server listens on :3000 by default. */
const apiOrigin = "http://127.0.0.1:3000";

export default defineConfig({
  // The server serves the build under /app/ (and index.html at /), so every asset URL
  // starts with /app/ and no page can shadow an API path.
  base: "/app/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true },
  server: {
    port: 5173,
    proxy: {
      "/trpc": apiOrigin,
      "/health": apiOrigin,
      "/docs": apiOrigin,
      "/openapi.json": apiOrigin,
    },
  },
});
