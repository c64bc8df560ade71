import { ValidationFailed } from "@registrar/core";

const trimSlashes = (path: string) => path.replace(/^\//, "").replace(/\/$/, "");

/**
 * How many procedure calls a request under `/trpc` makes, counted exactly as tRPC's fetch
 * adapter will split them: a batch (`?batch=1`) names its procedures in the path, comma
 * separated after percent-decoding (so `a%2Cb` is two calls too). A path tRPC cannot decode
 * is refused by tRPC before any call, so it counts as one.
 */
export function trpcCallCount(url: string): number {
  const { pathname, searchParams } = new URL(url);
  if (searchParams.get("batch") !== "1") return 1;
  const path = trimSlashes(trimSlashes(pathname).slice("trpc".length));
  try {
    return decodeURIComponent(path).split(",").length;
  } catch {
    return 1;
  }
}

/** The 400 for a batch over `TRPC_MAX_BATCH_SIZE`: refused whole, before any call runs. */
export function batchTooLarge(calls: number, maxBatchSize: number): ValidationFailed {
  return new ValidationFailed([
    {
      path: "batch",
      message: `has ${calls} calls; a batch may have at most ${maxBatchSize} (send several smaller batches)`,
    },
  ]);
}
