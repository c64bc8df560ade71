import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createDatabase } from "../src/database.ts";
import { migrateToLatest } from "../src/migrate.ts";
import { migrations } from "../src/migrations/index.ts";
import { testDatabaseTarget } from "../src/testing.ts";

/**
 * A first start on an empty directory (what the server does with `migrateNewCluster`):
 * initdb and the migrations both run in a child process that exits, so the WebAssembly
 * memory they grow never stays with the opener; the opener's first migrateToLatest reports
 * them as applied, as if it had run them itself.
 */

const target = testDatabaseTarget();

if (target.kind === "postgres") {
  describe("a new PGlite cluster migrated in a child: PGlite only (runs with REGISTRAR_TEST_DB=pglite)", () => {
    it("prints why it does not run here", () => {
      console.log("NOTICE: creating an embedded cluster is tested in the PGlite half.");
    });
  });
} else {
  describe("a new PGlite cluster migrated in a child", () => {
    const scratch = mkdtempSync(join(tmpdir(), "registrar-new-cluster-"));
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));
    const names = migrations.map(([name]) => name);

    it("comes up migrated; the first migrateToLatest names what the child applied, later ones nothing", {
      timeout: 180_000,
    }, async () => {
      const dir = join(scratch, "migrated");
      const db = createDatabase({ kind: "pglite", dir, migrateNewCluster: true });
      try {
        expect(existsSync(join(dir, "PG_VERSION"))).toBe(true);
        const done = await db.raw<{ rows: Array<{ name: string }> }>(
          "select name from knex_migrations order by id",
        );
        expect(done.rows.map((row) => row.name)).toEqual(names);
        expect(await migrateToLatest(db)).toEqual(names);
        expect(await migrateToLatest(db)).toEqual([]);
        // durable settings still apply to the opener's own instance
        const fsync = await db.raw<{ rows: Array<{ fsync: string }> }>("show fsync");
        expect(fsync.rows[0]?.fsync).toBe("on");
      } finally {
        await db.destroy();
      }
      // the directory is released and reopens as an ordinary existing cluster
      const again = createDatabase({ kind: "pglite", dir, migrateNewCluster: true });
      try {
        expect(await migrateToLatest(again)).toEqual([]);
      } finally {
        await again.destroy();
      }
    });
  });
}
