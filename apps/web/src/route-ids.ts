const MAX_ID = 2_147_483_647;

/** A path id as the API accepts it (1..2147483647 in plain decimal), or undefined. */
export function parseRouteId(value: string | undefined): number | undefined {
  if (!value || !/^[1-9][0-9]{0,9}$/.test(value)) return undefined;
  const id = Number(value);
  return id <= MAX_ID ? id : undefined;
}
