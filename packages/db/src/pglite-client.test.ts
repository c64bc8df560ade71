import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { createDatabase, pgliteExtensions } from "./database.ts";

describe("PGlite client", () => {
  it("waits for PGlite to start before the acquire timeout starts counting", async () => {
    // A fresh instance takes far longer than 1 ms to start (WASM, the cluster, pg_trgm), as a
    // loaded machine once took longer than the default 10 s; the first statement must wait
    // for the start and succeed, not fail with "Timeout acquiring a connection".
    const instance = new PGlite({ extensions: pgliteExtensions });
    const db = createDatabase({ kind: "pglite", instance, acquireTimeoutMs: 1 });
    try {
      const result = await db.raw<{ rows: Array<{ answer: number }> }>("select 42 as answer");
      expect(result.rows).toEqual([{ answer: 42 }]);
    } finally {
      await db.destroy();
    }
  });
});
