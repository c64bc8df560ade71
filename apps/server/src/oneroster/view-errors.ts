import { type OneRosterCodeMinor, OneRosterViewError, problemFromError } from "@registrar/core";

/** What a contract problem is called in OneRoster's vocabulary (imsx_CodeMinor). */
const codeMinorOfProblem: Partial<Record<string, OneRosterCodeMinor>> = {
  unauthorized: "unauthorisedrequest",
  forbidden: "forbidden",
  not_found: "unknownobject",
  rate_limited: "server_busy",
  service_unavailable: "server_busy",
  validation_failed: "invaliddata",
  method_not_allowed: "invaliddata",
};

/**
 * Any error of the OneRoster view as 1EdTech's `imsx_StatusInfo` (`imsx_StatusInfoDType`
 * of the rostering OpenAPI): the view's own refusals with their code minor, every other
 * error through the contract's problem mapping (`problemFromError`, the one that never
 * echoes a database error), its status and its `Retry-After`/`Allow` kept. The one place
 * the view's errors are rendered: its sub-app's `onError`, and the app's for the refusals
 * of the security layers that run before it (401, 429).
 */
export function imsxStatusResponse(error: unknown): Response {
  const headers = new Headers({ "content-type": "application/json" });
  let status: number;
  let codeMinor: OneRosterCodeMinor;
  let description: string;
  if (error instanceof OneRosterViewError) {
    ({ status, codeMinor } = error);
    description = error.message;
  } else {
    const problem = problemFromError(error);
    status = problem.status;
    codeMinor = codeMinorOfProblem[problem.code] ?? (status >= 500 ? "internal_server_error" : "invaliddata");
    description = problem.detail;
    if (problem.retryAfter !== undefined) headers.set("Retry-After", String(problem.retryAfter));
    if (problem.allow !== undefined) headers.set("Allow", String(problem.allow));
  }
  const body = {
    imsx_codeMajor: "failure",
    imsx_severity: "error",
    imsx_description: description,
    imsx_CodeMinor: {
      imsx_codeMinorField: [
        { imsx_codeMinorFieldName: "TargetEndSystem", imsx_codeMinorFieldValue: codeMinor },
      ],
    },
  };
  return new Response(JSON.stringify(body), { status, headers });
}
