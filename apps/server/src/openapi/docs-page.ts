import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * Swagger UI, served from our own node_modules so the reference works offline and
 * behind firewalls (no CDN).
 */
const swaggerDir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

export const docsAssets: Record<string, { type: string; body: () => string }> = {
  "swagger-ui.css": { type: "text/css; charset=utf-8", body: lazy(() => read("swagger-ui.css")) },
  "swagger-ui-bundle.js": {
    type: "text/javascript; charset=utf-8",
    body: lazy(() => read("swagger-ui-bundle.js")),
  },
  // a file rather than an inline script, so a strict Content-Security-Policy can apply
  "reference.js": {
    type: "text/javascript; charset=utf-8",
    body: () =>
      // validatorUrl null: Swagger UI would otherwise show a badge image from validator.swagger.io
      // that sends it this document's URL (and that the CSP below refuses anyway).
      'window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#reference", deepLinking: true, tryItOutEnabled: true, validatorUrl: null });',
  },
};

function read(file: string): string {
  return readFileSync(join(swaggerDir, file), "utf8");
}

function lazy(load: () => string): () => string {
  let cached: string | undefined;
  return () => {
    cached ??= load();
    return cached;
  };
}

/**
 * The reference page's Content-Security-Policy: scripts, styles and requests from this server
 * only, nothing inline, no frames. Swagger UI's stylesheet draws its icons as `data:` SVG
 * images; its "Try it out" calls this server (the document's `servers` is `/`).
 */
export const docsPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export const docsPage = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Registrar API reference</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="reference"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/reference.js"></script>
</body>
</html>`;
