import { authorize, oneRosterExport } from "@registrar/core";
import type { Database, OneRosterSchool } from "@registrar/db";
import type { Context } from "hono";
import type { Logger } from "pino";
import type { SecurityVariables } from "../security/index.ts";

export const EXPORT_PATH = "/oneroster/export";

/**
 * `GET /oneroster/export`: the OneRoster 1.2 bulk package as `application/zip`, streamed
 * (one snapshot on PostgreSQL, read before the first byte; page by page on PGlite: see
 * packages/core oneroster-view/export.ts). Reader and above; a student key
 * gets 403. A failure after the first bytes can no longer change the status: the stream is
 * aborted (the client sees a truncated zip, never a valid-looking partial one) and logged.
 */
export function exportHandler(db: Database, school: OneRosterSchool, logger?: Logger) {
  return async (c: Context<{ Variables: SecurityVariables }>): Promise<Response> => {
    const principal = c.get("principal");
    if (principal) await authorize(db, principal, { kind: "read" });
    const chunks = oneRosterExport(db, school);
    // The first chunk before the answer starts: a database that is down is still a 503.
    const first = await chunks.next();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        if (first.done) controller.close();
        else controller.enqueue(first.value);
      },
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          logger?.error({ err: error, requestId: c.get("requestId") }, "OneRoster export failed mid-stream");
          controller.error(error);
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    return new Response(body, {
      status: 200,
      headers: {
        "content-type": "application/zip",
        "content-disposition": 'attachment; filename="oneroster-export.zip"',
        "cache-control": "no-store",
      },
    });
  };
}
