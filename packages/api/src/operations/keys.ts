import {
  apiKeyRoleSchema,
  createApiKey,
  createApiKeyInput,
  idSchema,
  listApiKeys,
  revokeApiKey,
} from "@registrar/core";
import { z } from "zod";
import { managesKeys } from "./access.ts";
import { defineOperation } from "./define-operation.ts";

/** A key as listed: everything but its secret (core's `ApiKey`). */
const apiKeySchema = z.object({
  id: idSchema,
  name: z.string().nullable(),
  role: apiKeyRoleSchema,
  studentId: idSchema.nullable(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

/**
 * API keys: tRPC only (REST has no /keys route; `pnpm keys` manages them on the server).
 * `create` answers the key's token, the only time it is ever shown.
 */
export const keyOperations = {
  list: defineOperation({
    name: "keys.list",
    kind: "query",
    input: undefined,
    output: z.object({ keys: z.array(apiKeySchema) }),
    access: managesKeys,
    problems: [],
    run: ({ db }) => listApiKeys(db).then((keys) => ({ keys })),
  }),
  create: defineOperation({
    name: "keys.create",
    kind: "mutation",
    input: createApiKeyInput,
    output: apiKeySchema.extend({ token: z.string() }),
    access: managesKeys,
    problems: [],
    run: async ({ db }, fields) => {
      const { apiKey, token } = await createApiKey(db, fields);
      return { ...apiKey, token };
    },
  }),
  revoke: defineOperation({
    name: "keys.revoke",
    kind: "mutation",
    input: z.strictObject({ id: idSchema }),
    output: apiKeySchema,
    access: managesKeys,
    problems: ["not_found"],
    run: ({ db }, { id }) => revokeApiKey(db, id),
  }),
};
