/**
 * The most calls one tRPC batch request may carry: the server's default for
 * `TRPC_MAX_BATCH_SIZE`, and the SDK's `httpBatchLink` `maxItems`. Every call in a batch
 * counts against the rate limit, so a batch is never a way around it; the cap keeps one
 * request's work bounded before any call runs.
 */
export const TRPC_MAX_BATCH_SIZE = 50;

/**
 * The longest URL the SDK builds for a batched GET (`httpBatchLink` `maxURLLength`; longer
 * batches are split). Node refuses a request line and headers over 16 KiB with 431, common
 * proxies a request line over 8 KiB, so this stays under both.
 */
export const TRPC_MAX_URL_LENGTH = 8_000;
