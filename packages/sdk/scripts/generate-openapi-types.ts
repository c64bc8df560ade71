/**
 * Writes src/generated/openapi.ts from the server's OpenAPI document.
 *   pnpm --filter @registrar/sdk generate                          # document built in-process
 *   pnpm --filter @registrar/sdk generate --url http://127.0.0.1:3000   # from a running server
 */
import { writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { fetchOpenApiDocument, generatedTypesPath, renderOpenApiTypes } from "./openapi-types.ts";

const { values } = parseArgs({ options: { url: { type: "string" } } });
const document = await fetchOpenApiDocument(values.url);
const text = await renderOpenApiTypes(document);
await writeFile(generatedTypesPath, text);
console.error(`wrote ${generatedTypesPath} (${text.length} bytes)`);
