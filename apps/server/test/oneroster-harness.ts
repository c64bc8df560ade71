import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { parse } from "csv-parse/sync";
import { unzipSync } from "fflate";
import { expect } from "vitest";
import type { HttpClient } from "./http-client.ts";

/**
 * 1EdTech's OneRoster 1.2 rostering OpenAPI (repository 1EdTech/oneroster-bootcamp, see
 * ../shared/fixtures/oneroster/SOURCE.md), read at test time from the shared fixtures and
 * never copied into the repository: the view's answers are validated against its schemas.
 */
const openApiPath = fileURLToPath(
  new URL(
    "../../../../shared/fixtures/oneroster/onerosterv1p2rostersservice_openapi3_v1p0.json",
    import.meta.url,
  ),
);
const oneRosterOpenApi = JSON.parse(readFileSync(openApiPath, "utf8")) as Record<string, unknown>;

// strict: false because the document is OpenAPI 3.0, not a JSON Schema: its own keywords
// (`openapi`, `paths`, …) sit beside the schemas under `components`, which are plain JSON
// Schema (draft 4 style) and are all that is compiled.
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(oneRosterOpenApi, "oneroster");

const validators = new Map<string, ValidateFunction>();
/** What is wrong with `body` by the component schema `name` of 1EdTech's document (empty: valid). */
export function oneRosterSchemaErrors(name: string, body: unknown): unknown[] {
  let validate = validators.get(name);
  if (!validate) {
    validate = ajv.getSchema(`oneroster#/components/schemas/${name}`);
    if (!validate) throw new Error(`no schema ${name} in 1EdTech's OpenAPI`);
    validators.set(name, validate);
  }
  return validate(body) ? [] : [...(validate.errors ?? [{ message: "invalid" }])];
}

/** Asserts that `body` is valid against the component schema `name` of 1EdTech's document. */
export function expectOneRosterSchema(name: string, body: unknown): void {
  expect(oneRosterSchemaErrors(name, body), `${name}: ${JSON.stringify(body).slice(0, 400)}`).toEqual([]);
}

/** The imsx_StatusInfo of an error answer: its status, its code minor, and the schema. */
export function expectImsxError(
  answer: { status: number; body: unknown; text: string; headers: Headers },
  status: number,
  codeMinor: string,
): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
  expectOneRosterSchema("imsx_StatusInfoDType", answer.body);
  expect(answer.body).toMatchObject({
    imsx_codeMajor: "failure",
    imsx_severity: "error",
    imsx_CodeMinor: { imsx_codeMinorField: [{ imsx_codeMinorFieldValue: codeMinor }] },
  });
  expect(typeof (answer.body as { imsx_description?: unknown }).imsx_description).toBe("string");
}

export const VIEW = "/ims/oneroster/rostering/v1p2";

/** A zip's files as text. */
export function unzipText(bytes: Uint8Array): Record<string, string> {
  const files = unzipSync(bytes);
  return Object.fromEntries(
    Object.entries(files).map(([name, data]) => [name, new TextDecoder().decode(data)]),
  );
}

/** A CSV file as its header and its rows (objects by header). */
export function parseCsv(text: string): { header: string[]; rows: Array<Record<string, string>> } {
  const records = parse(text, { relax_column_count: false }) as string[][];
  const [header = [], ...rest] = records;
  return {
    header,
    rows: rest.map((record) => Object.fromEntries(header.map((name, index) => [name, record[index] ?? ""]))),
  };
}

export type Roster = {
  terms: { year: number; fall: number };
  courses: { algebra: number; biology: number; chemistry: number };
  students: { ada: number; grace: number; alan: number };
};

/**
 * A small school: a school year (sourcedId `sy-2027`) with a term in it (none), three
 * courses (Algebra in the term with a code; Biology with a sourcedId, no term; Chemistry,
 * level unspecified), three students (Ada with a sourcedId), Ada in Algebra and Biology,
 * Grace in Algebra, Alan dropped from Biology.
 */
export async function makeRoster(api: HttpClient, suffix = ""): Promise<Roster> {
  const created = async (path: string, body: Record<string, unknown>) => {
    const answer = await api.post<{ id: number }>(path, body);
    expect(answer.status, answer.text).toBe(201);
    return answer.body.id;
  };
  const year = await created("/terms", {
    name: "2026-2027",
    type: "schoolYear",
    starts_on: "2026-09-01",
    ends_on: "2027-06-30",
    sourced_id: `sy-2027${suffix}`,
  });
  const fall = await created("/terms", {
    name: "Fall 2026",
    type: "term",
    starts_on: "2026-09-01",
    ends_on: "2026-12-20",
    parent_id: year,
  });
  const algebra = await created("/courses", {
    name: "Algebra",
    level: "beginner",
    code: "ALG-1",
    term_id: fall,
  });
  const biology = await created("/courses", {
    name: "Biology, with labs",
    level: "advanced",
    sourced_id: `cls-bio${suffix}`,
  });
  const chemistry = await created("/courses", { name: "Chemistry", level: "unspecified" });
  const ada = await created("/students", {
    name: "Ada Lovelace",
    email: `ada${suffix}@example.org`,
    sourced_id: `usr-ada${suffix}`,
  });
  const grace = await created("/students", {
    name: "Grace Brewster Hopper",
    email: `grace${suffix}@example.org`,
  });
  const alan = await created("/students", { name: "Alan Turing", email: `alan${suffix}@example.org` });
  for (const [student, courses] of [
    [ada, [algebra, biology]],
    [grace, [algebra]],
    [alan, [biology]],
  ] as const) {
    const answer = await api.post(`/students/${student}/courses`, { course_ids: courses });
    expect(answer.status, answer.text).toBe(201);
  }
  const dropped = await api.delete(`/students/${alan}/courses/${biology}`);
  expect(dropped.status, dropped.text).toBe(204);
  return { terms: { year, fall }, courses: { algebra, biology, chemistry }, students: { ada, grace, alan } };
}
