import type { PGlite } from "@electric-sql/pglite";
import type { Database } from "./database.ts";

/**
 * A consistent copy of an embedded database, taken by the process that has it open (so it
 * works while the server runs: see owner-channel.ts): a gzipped tar of the data directory,
 * which `tar -xzf backup.tar.gz -C <new dir>` turns back into a PGLITE_DIR.
 *
 * PGlite reads every file of the directory in one synchronous pass while it holds its query
 * lock, so no statement runs in between: the copy is the directory as a crash at that instant
 * would leave it, which PostgreSQL recovers from by replaying its WAL, committed transactions
 * complete and the one in progress (if any) rolled back. The CHECKPOINT first keeps that
 * replay short.
 */
export async function backupPglite(db: Database): Promise<Uint8Array> {
  const pglite = (db.client as { pglite?: PGlite }).pglite;
  if (!pglite) throw new Error("backups are for the embedded database; on PostgreSQL use pg_dump");
  await db.raw("checkpoint");
  const tarball = await pglite.dumpDataDir("gzip");
  return new Uint8Array(await tarball.arrayBuffer());
}
