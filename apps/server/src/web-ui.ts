import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, sep } from "node:path";
import { RequestProblem } from "@registrar/core";
import type { Context } from "hono";

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

const placeholderStyle = "body { font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto }";
const placeholder = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Registrar</title><style>${placeholderStyle}</style></head>
<body>
<h1>Registrar</h1>
<p>The API is running. The web UI has not been built yet (<code>pnpm build</code>).</p>
<ul><li><a href="/docs">API reference</a></li><li><a href="/openapi.json">OpenAPI document</a></li></ul>
</body></html>`;

/**
 * The UI's Content-Security-Policy: Vite's build has no inline script or style, the app
 * talks to this server only (`/trpc`), and no page may frame it. React's `style` props go
 * through the CSSOM, which `style-src` does not restrict. The placeholder's one inline
 * <style> is allowed by its hash.
 */
const policy = (styleSources: string) =>
  [
    "default-src 'none'",
    "script-src 'self'",
    `style-src ${styleSources}`,
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
const webUiPolicy = policy("'self'");
const placeholderPolicy = policy(
  `'sha256-${createHash("sha256").update(placeholderStyle).digest("base64")}'`,
);

/**
 * The built web UI (Vite, base `/app/`): `/` and every `/app/...` page answer its
 * index.html, files under `/app/` are served from the build folder.
 */
export function webUi(distDir: string | undefined) {
  const root = distDir && existsSync(join(distDir, "index.html")) ? normalize(distDir) : undefined;
  const indexHtml = root ? readFileSync(join(root, "index.html"), "utf8") : placeholder;
  const indexPolicy = root ? webUiPolicy : placeholderPolicy;

  const index = (c: Context) => c.html(indexHtml, 200, { "content-security-policy": indexPolicy });
  return {
    index,
    serve(c: Context) {
      if (!root) return index(c);
      const relative = c.req.path.replace(/^\/app\/?/, "");
      const file = normalize(join(root, relative));
      if (relative && file.startsWith(root + sep) && existsSync(file) && statSync(file).isFile()) {
        const type = contentTypes[extname(file)] ?? "application/octet-stream";
        const immutable = relative.startsWith("assets/");
        return c.body(readFileSync(file), 200, {
          "content-type": type,
          "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
        });
      }
      if (relative.startsWith("assets/"))
        throw new RequestProblem("not_found", `There is nothing at ${c.req.path}.`);
      return index(c);
    },
  };
}
