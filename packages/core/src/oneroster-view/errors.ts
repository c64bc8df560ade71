/**
 * The OneRoster view's own refusals, with the `imsx_CodeMinor` value 1EdTech's rostering
 * OpenAPI names for them. Every other error of the view (a missing key, a role, the rate
 * limit, the database) is a problem of the contract, which the view maps to a code minor
 * where it renders errors (apps/server/src/oneroster/view-errors.ts).
 */
export type OneRosterCodeMinor =
  | "unknownobject"
  | "invalid_filter_field"
  | "invalid_selection_field"
  | "invaliddata"
  | "unauthorisedrequest"
  | "forbidden"
  | "server_busy"
  | "internal_server_error";

export class OneRosterViewError extends Error {
  readonly codeMinor: OneRosterCodeMinor;
  readonly status: number;

  constructor(codeMinor: OneRosterCodeMinor, status: number, description: string) {
    super(description);
    this.name = "OneRosterViewError";
    this.codeMinor = codeMinor;
    this.status = status;
  }
}

export const unknownObject = (kind: string, sourcedId: string) =>
  new OneRosterViewError(
    "unknownobject",
    404,
    `Unknown Object: no ${kind} has the sourcedId '${sourcedId}'.`,
  );
