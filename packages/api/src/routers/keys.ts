import { createApiKey, createApiKeyInput, idSchema, listApiKeys, revokeApiKey } from "@registrar/core";
import { z } from "zod";
import { publicProcedure, router } from "../trpc.ts";

/**
 * API keys, for admin keys only (the access check in trpc.ts), and only when the server runs
 * with AUTH=required: with auth off anyone could mint a key that would later be honoured.
 * `create` answers the key's token, the only time it is ever shown.
 */
export const keysRouter = router({
  list: publicProcedure.query(({ ctx }) => listApiKeys(ctx.db).then((keys) => ({ keys }))),
  create: publicProcedure.input(createApiKeyInput).mutation(async ({ ctx, input }) => {
    const { apiKey, token } = await createApiKey(ctx.db, input);
    return { ...apiKey, token };
  }),
  revoke: publicProcedure
    .input(z.strictObject({ id: idSchema }))
    .mutation(({ ctx, input }) => revokeApiKey(ctx.db, input.id)),
});
