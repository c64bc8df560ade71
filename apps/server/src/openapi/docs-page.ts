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
      'window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#reference", deepLinking: true, tryItOutEnabled: true });',
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
