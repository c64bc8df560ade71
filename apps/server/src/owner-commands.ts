import { createApiKey, createApiKeyInput, idSchema, listApiKeys, revokeApiKey } from "@registrar/core";
import { backupPglite, type Database, type OwnerCommands, seedDemoSchool } from "@registrar/db";

/**
 * What the server does for `pnpm db:seed`, `pnpm db:backup` and `pnpm keys` while it owns
 * the embedded data directory (nobody else may open it then; see owner-channel.ts in
 * packages/db). Each runs on the server's own connection, like a request; the commands'
 * input is checked here as the API checks a request's.
 */
export function ownerCommands(db: Database): OwnerCommands {
  return {
    seed: async () => ({ result: await seedDemoSchool(db) }),
    backup: async () => {
      const tarball = await backupPglite(db);
      return { result: { bytes: tarball.byteLength }, attachment: tarball };
    },
    "keys.create": async (request) => ({
      result: await createApiKey(db, createApiKeyInput.parse(request.input)),
    }),
    "keys.list": async () => ({ result: await listApiKeys(db) }),
    "keys.revoke": async (request) => ({ result: await revokeApiKey(db, idSchema.parse(request.id)) }),
  };
}
