/** The most calls one tRPC batch request may carry (see index.js). */
export declare const TRPC_MAX_BATCH_SIZE: number;
/** The longest URL the SDK builds for a batched GET (see index.js). */
export declare const TRPC_MAX_URL_LENGTH: number;
