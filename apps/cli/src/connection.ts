import { createRegistrarClient, type RegistrarClient } from "@registrar/sdk";
import { z } from "zod";
import { UsageError } from "./exit-codes.ts";

export const DEFAULT_URL = "http://127.0.0.1:3000";

/** The options every command shares; commander fills them from flags or the environment. */
export type GlobalOptions = { url: string; token?: string | undefined; json: boolean };

const connectionSchema = z.object({
  url: z
    .string()
    .trim()
    .pipe(z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })),
  token: z
    .string()
    .trim()
    .optional()
    .transform((token) => token || undefined),
});

/** The SDK client for the server that the flags (or REGISTRAR_URL / REGISTRAR_TOKEN) name. */
export function connect(options: GlobalOptions): RegistrarClient {
  const parsed = connectionSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`--${String(issue?.path[0] ?? "url")} ${issue?.message ?? "is not valid"}`);
  }
  return createRegistrarClient({ baseUrl: parsed.data.url, token: parsed.data.token });
}
