import { parseId } from "@registrar/sdk";

/** A path id as the API accepts it (the contract's rule), or undefined. */
export function parseRouteId(value: string | undefined): number | undefined {
  return value === undefined ? undefined : parseId(value);
}
