import {
  type ExtraKind,
  enrollmentStatuses,
  MAX_ASSIGN_COURSE_IDS,
  MAX_EMAIL_LENGTH,
  MAX_ID,
  type ProblemAnswerSpec,
  type ProblemCode,
  problemAnswer,
  problemAnswers,
  problemCodes,
  problemLimits,
} from "@registrar/contract";
import { capacitySchema, idSchema, problemType } from "@registrar/core";
import { z } from "zod";
import { requestIdPattern } from "../http/request-id.ts";

// The problem bodies of the OpenAPI document, from the contract's table of codes: one
// component per answer of a code (its `code` a const, its extras required), and `Problem`,
// any of them. A response whose status carries several codes is a `oneOf` of theirs.

const codes = Object.keys(problemCodes) as [ProblemCode, ...ProblemCode[]];
const titles = [...new Set(codes.map((code) => problemCodes[code].title))] as [string, ...string[]];

const issues = z
  .array(
    z
      .object({
        path: z.string().max(problemLimits.issuePath),
        message: z.string().max(problemLimits.issueMessage),
      })
      .meta({
        id: "ValidationIssue",
        description: "A field at fault (dotted path) and what is wrong with it",
      }),
  )
  .max(problemLimits.issues)
  .meta({ description: `The first ${problemLimits.issues} faults, one entry each` });

/**
 * The schema of each kind of extra member a body carries. `seconds` and `methods` travel as
 * headers on REST (`Retry-After`, `Allow`), never in a body.
 */
const extraSchemas: Record<Exclude<ExtraKind, "seconds" | "methods">, z.ZodType> = {
  id: idSchema,
  ids: z.array(idSchema).max(MAX_ASSIGN_COURSE_IDS),
  email: z.email().max(MAX_EMAIL_LENGTH),
  seats: capacitySchema.unwrap(),
  count: z.number().int().min(0).max(MAX_ID),
  issues,
  enrollmentStatus: z.enum(enrollmentStatuses),
};

function extraSchema(kind: ExtraKind): z.ZodType {
  if (kind === "seconds" || kind === "methods") {
    throw new Error(`an extra of kind ${kind} travels as a header, not in a body`);
  }
  return extraSchemas[kind];
}

const problemMembers = {
  type: z.enum(codes.map(problemType) as [string, ...string[]]),
  title: z.enum(titles),
  status: z.number().int().min(400).max(599),
  detail: z.string().min(1).max(problemLimits.detail).meta({ description: "What went wrong, for people" }),
  code: z.enum(codes),
  instance: z
    .string()
    .max("urn:uuid:".length + 64)
    .regex(new RegExp(`^urn:uuid:${requestIdPattern.source.slice(1)}`))
    .optional()
    .meta({ description: "urn:uuid: and the request's id, as in X-Request-Id and the logs" }),
};

/** Every code that carries `name` as an extra, for the description of `Problem`'s member. */
function carriers(): Map<string, { kind: ExtraKind; codes: string[] }> {
  const found = new Map<string, { kind: ExtraKind; codes: string[] }>();
  for (const code of codes) {
    for (const answer of problemAnswers(code)) {
      for (const [name, kind] of Object.entries(answer.extras)) {
        const carrier = found.get(name) ?? { kind, codes: [] };
        const where = problemAnswers(code).length > 1 ? `${code} (${answer.status})` : code;
        carrier.codes.push(where);
        found.set(name, carrier);
      }
    }
  }
  return found;
}

/** Any problem: the common members, and each code's extras as optional members. */
export const problemSchema = z
  .object({
    ...problemMembers,
    ...Object.fromEntries(
      [...carriers()].map(([name, { kind, codes: where }]) => [
        name,
        extraSchema(kind)
          .optional()
          .meta({ description: where.join(", ") }),
      ]),
    ),
  })
  .catchall(z.unknown())
  .meta({ id: "Problem", description: "RFC 9457 problem details; extra members depend on `code`." });

function pascalCase(code: string): string {
  return code.replace(/(^|_)([a-z])/g, (_, _separator: string, letter: string) => letter.toUpperCase());
}

/** `CourseFullProblem`; an answer with another status than the code's usual one: `CourseNotFoundProblem422`. */
export function problemComponentId(code: ProblemCode, status: number): string {
  const usual = problemCodes[code].status;
  const answered = problemAnswers(code).some((answer) => answer.status === status) ? status : usual;
  return `${pascalCase(code)}Problem${answered === usual ? "" : answered}`;
}

/** The members of one answer beyond any problem's: its constants and its extras, required. */
function answerSchema(code: ProblemCode, answer: ProblemAnswerSpec): z.ZodType {
  const extras = Object.entries(answer.extras).map(([name, kind]) => [name, extraSchema(kind)] as const);
  const own = z.looseObject({
    type: z.literal(problemType(code)),
    title: z.literal(problemCodes[code].title),
    status: z.literal(answer.status),
    code: z.literal(code),
    ...Object.fromEntries(extras),
  });
  return z.intersection(problemSchema, own).meta({ description: `Problem \`${code}\` (${answer.status})` });
}

/**
 * Answered by the security layer on every operation it guards (security/openapi-security.ts
 * adds those responses), and by any operation: their components always exist.
 */
const everyDocumentsProblems: Array<[ProblemCode, number]> = [
  ["unauthorized", 401],
  ["forbidden", 403],
  ["rate_limited", 429],
  ["internal_error", 500],
  ["service_unavailable", 503],
];

/** The components of the answers a document's responses use (and those of every document), by id. */
export function problemComponents(
  used: ReadonlyArray<readonly [ProblemCode, number]>,
): Array<[string, z.ZodType]> {
  const components = new Map<string, z.ZodType>();
  for (const [code, status] of [...everyDocumentsProblems, ...used]) {
    const id = problemComponentId(code, status);
    if (!components.has(id)) components.set(id, answerSchema(code, problemAnswer(code, status)));
  }
  return [...components];
}

const componentRef = (id: string) => `#/components/schemas/${id}`;

type ProblemMediaType = {
  schema:
    | { $ref: string }
    | {
        oneOf: Array<{ $ref: string }>;
        discriminator: { propertyName: string; mapping: Record<string, string> };
      };
};

/**
 * The `content` of a problem response that answers `codes` with `status`: one code's own
 * schema, or a `oneOf` of each code's, told apart by `code`.
 */
export function problemContent(
  codes: readonly ProblemCode[],
  status: number,
): { "application/problem+json": ProblemMediaType } {
  const refs = [...new Set(codes)].map((code): [string, string] => [
    code,
    componentRef(problemComponentId(code, status)),
  ]);
  const [only] = refs;
  const schema: ProblemMediaType["schema"] =
    refs.length === 1 && only
      ? { $ref: only[1] }
      : {
          oneOf: refs.map(([, $ref]) => ({ $ref })),
          discriminator: { propertyName: "code", mapping: Object.fromEntries(refs) },
        };
  return { "application/problem+json": { schema } };
}
