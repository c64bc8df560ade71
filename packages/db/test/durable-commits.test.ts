import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDatabase } from "../src/database.ts";
import { createTestDataDir, testDatabaseTarget } from "../src/testing.ts";

/**
 * The settings an embedded database on a directory runs with (what the server, db:* and
 * keys get from createDatabase). PGlite's own default is fsync off. That the fsyncs really
 * reach the disk, one per commit, is shown by strace in
 * apps/server/test/reliability/durable-commits.test.ts.
 */

const target = testDatabaseTarget();

if (target.kind === "postgres") {
  describe("durable commits on a PGlite directory: PGlite only (runs with REGISTRAR_TEST_DB=pglite)", () => {
    it("prints why it does not run here", () => {
      console.log("NOTICE: the embedded database's durability settings are tested in the PGlite half.");
    });
  });
} else {
  describe("durable commits on a PGlite directory", () => {
    let dir: string;
    beforeAll(async () => {
      dir = await createTestDataDir();
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("runs with fsync on, commits flushed through fsync()", async () => {
      const db = createDatabase({ kind: "pglite", dir });
      try {
        const setting = async (name: string) =>
          ((await db.raw(`show ${name}`)) as { rows: Array<Record<string, string>> }).rows[0]?.[name];
        expect(await setting("fsync")).toBe("on");
        expect(await setting("synchronous_commit")).toBe("on");
        expect(await setting("full_page_writes")).toBe("on");
        // fdatasync() is a no-op in PGlite's Emscripten build; fsync() reaches the disk
        expect(await setting("wal_sync_method")).toBe("fsync");
      } finally {
        await db.destroy();
      }
    });
  });
}
