import {
  type Database,
  type OneRosterComparison,
  type OneRosterEntity,
  type OneRosterPredicate,
  type OneRosterQuery,
  type OneRosterRow,
  OneRosterRows,
  type OneRosterSchool,
} from "@registrar/db";
import { OneRosterViewError, unknownObject } from "./errors.ts";

/**
 * The read-only OneRoster 1.2 rostering view: Registrar's students, courses, terms and
 * enrollments as 1EdTech's records, with the binding's paging, sorting, filtering and field
 * selection run in the database (OneRosterRows.page).
 */

export const ONEROSTER_VIEW_PREFIX = "/ims/oneroster/rostering/v1p2";
/** Whether a request path is the view's (its errors are imsx_StatusInfo, it takes OAuth tokens). */
export const isOneRosterViewPath = (path: string): boolean =>
  path === ONEROSTER_VIEW_PREFIX || path.startsWith(`${ONEROSTER_VIEW_PREFIX}/`);
export const DEFAULT_VIEW_LIMIT = 100;
/** The most records one answer carries, whatever `limit` asks (the Link header pages on). */
export const MAX_VIEW_LIMIT = 1000;

/** The view's collections: the record kind each serves, its wrappers, and its scope. */
export const viewCollections = {
  academicSessions: { entity: "academicSessions", many: "academicSessions", one: "academicSession" },
  terms: {
    entity: "academicSessions",
    many: "academicSessions",
    one: "academicSession",
    scope: [{ field: "type", op: "=", value: "term" }],
  },
  classes: { entity: "classes", many: "classes", one: "class" },
  courses: { entity: "courses", many: "courses", one: "course" },
  enrollments: { entity: "enrollments", many: "enrollments", one: "enrollment" },
  orgs: { entity: "orgs", many: "orgs", one: "org" },
  schools: { entity: "orgs", many: "orgs", one: "org", scope: [{ field: "type", op: "=", value: "school" }] },
  users: { entity: "users", many: "users", one: "user" },
  students: {
    entity: "users",
    many: "users",
    one: "user",
    scope: [{ field: "role", op: "=", value: "student" }],
  },
} satisfies Record<
  string,
  { entity: OneRosterEntity; many: string; one: string; scope?: OneRosterPredicate[] }
>;
export type ViewCollection = keyof typeof viewCollections;

/** The fields `filter` and `sort` may name, as OneRoster names them, and their columns. */
const queryFields: Record<OneRosterEntity, Record<string, string>> = {
  users: {
    sourcedId: "sourcedId",
    status: "status",
    dateLastModified: "dateLastModified",
    enabledUser: "enabledUser",
    username: "username",
    givenName: "givenName",
    familyName: "familyName",
    email: "email",
    identifier: "identifier",
    role: "role",
    "roles.role": "role",
  },
  classes: {
    sourcedId: "sourcedId",
    status: "status",
    dateLastModified: "dateLastModified",
    title: "title",
    classCode: "classCode",
    classType: "classType",
    grades: "grades",
    "course.sourcedId": "courseSourcedId",
    "school.sourcedId": "schoolSourcedId",
    "terms.sourcedId": "termSourcedId",
  },
  courses: {
    sourcedId: "sourcedId",
    status: "status",
    dateLastModified: "dateLastModified",
    title: "title",
    courseCode: "courseCode",
    grades: "grades",
    "org.sourcedId": "orgSourcedId",
  },
  academicSessions: {
    sourcedId: "sourcedId",
    status: "status",
    dateLastModified: "dateLastModified",
    title: "title",
    type: "type",
    startDate: "startDate",
    endDate: "endDate",
    schoolYear: "schoolYear",
    "parent.sourcedId": "parentSourcedId",
  },
  enrollments: {
    sourcedId: "sourcedId",
    status: "status",
    dateLastModified: "dateLastModified",
    role: "role",
    primary: "primary",
    beginDate: "beginDate",
    endDate: "endDate",
    "user.sourcedId": "userSourcedId",
    "class.sourcedId": "classSourcedId",
    "school.sourcedId": "schoolSourcedId",
  },
  orgs: {
    sourcedId: "sourcedId",
    status: "status",
    dateLastModified: "dateLastModified",
    name: "name",
    type: "type",
    identifier: "identifier",
  },
};

/** The top-level fields of each kind's records: what `fields` may select. */
const recordFields: Record<OneRosterEntity, readonly string[]> = {
  users: [
    "sourcedId",
    "status",
    "dateLastModified",
    "username",
    "userIds",
    "enabledUser",
    "givenName",
    "familyName",
    "roles",
    "primaryOrg",
    "identifier",
    "email",
    "agents",
    "grades",
  ],
  classes: [
    "sourcedId",
    "status",
    "dateLastModified",
    "title",
    "classCode",
    "classType",
    "grades",
    "subjects",
    "course",
    "school",
    "terms",
    "periods",
  ],
  courses: ["sourcedId", "status", "dateLastModified", "title", "courseCode", "grades", "subjects", "org"],
  academicSessions: [
    "sourcedId",
    "status",
    "dateLastModified",
    "title",
    "startDate",
    "endDate",
    "type",
    "parent",
    "schoolYear",
  ],
  enrollments: [
    "sourcedId",
    "status",
    "dateLastModified",
    "user",
    "class",
    "school",
    "role",
    "primary",
    "beginDate",
    "endDate",
  ],
  orgs: ["sourcedId", "status", "dateLastModified", "name", "type", "identifier"],
};

/** The query parameters of a collection, as sent. */
export type ViewQueryParameters = Partial<
  Record<"limit" | "offset" | "sort" | "orderBy" | "filter" | "fields", string>
>;

type ParsedQuery = Omit<OneRosterQuery, "scope" | "enrolled"> & { fields: string[] | undefined };

const comparisons: readonly OneRosterComparison[] = ["!=", ">=", "<=", "=", ">", "<", "~"];
// One predicate: a field, an operator, a value in single quotes ('' inside is a quote).
const predicatePattern = /^\s*([A-Za-z][A-Za-z0-9_.]*)\s*(!=|>=|<=|=|>|<|~)\s*'((?:[^']|'')*)'\s*/;

function parseFilter(entity: OneRosterEntity, filter: string): Pick<OneRosterQuery, "predicates" | "join"> {
  const invalid = (why: string) =>
    new OneRosterViewError("invalid_filter_field", 400, `The filter is not valid: ${why}.`);
  const predicates: OneRosterPredicate[] = [];
  let join: OneRosterQuery["join"] = "AND";
  let rest = filter;
  for (;;) {
    const match = predicatePattern.exec(rest);
    if (!match?.[1] || !match[2] || match[3] === undefined) {
      throw invalid("write field op 'value', with op one of = != > >= < <= ~");
    }
    const column = queryFields[entity][match[1]];
    if (!column) throw invalid(`'${match[1]}' is not a field of these records that can be filtered on`);
    const op = comparisons.find((candidate) => candidate === match[2]) ?? "=";
    predicates.push({ field: column, op, value: match[3].replaceAll("''", "'") });
    rest = rest.slice(match[0].length);
    if (rest.length === 0) break;
    const joined = /^(AND|OR)\s+/.exec(rest);
    if (!joined?.[1] || predicates.length === 2) {
      throw invalid("at most two predicates, joined by AND or OR");
    }
    if (predicates.length === 1) join = joined[1] === "OR" ? "OR" : "AND";
    rest = rest.slice(joined[0].length);
  }
  return { predicates, join };
}

function integerParameter(name: string, text: string | undefined, fallback: number, min: number): number {
  if (text === undefined) return fallback;
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) < min) {
    throw new OneRosterViewError("invaliddata", 400, `${name} must be an integer of at least ${min}.`);
  }
  return Number(text);
}

/** Parses a collection's query; throws the binding's refusals for anything unknown. */
export function parseViewQuery(entity: OneRosterEntity, parameters: ViewQueryParameters): ParsedQuery {
  const limit = Math.min(integerParameter("limit", parameters.limit, DEFAULT_VIEW_LIMIT, 1), MAX_VIEW_LIMIT);
  const offset = integerParameter("offset", parameters.offset, 0, 0);
  let sort: string | undefined;
  if (parameters.sort !== undefined) {
    sort = queryFields[entity][parameters.sort];
    if (!sort) {
      throw new OneRosterViewError(
        "invalid_selection_field",
        400,
        `'${parameters.sort}' is not a field these records can be sorted by.`,
      );
    }
  }
  if (parameters.orderBy !== undefined && parameters.orderBy !== "asc" && parameters.orderBy !== "desc") {
    throw new OneRosterViewError("invaliddata", 400, "orderBy must be asc or desc.");
  }
  let fields: string[] | undefined;
  if (parameters.fields !== undefined) {
    fields = parameters.fields
      .split(",")
      .map((field) => field.trim())
      .filter(Boolean);
    const unknown = fields.find((field) => !recordFields[entity].includes(field));
    if (unknown !== undefined || fields.length === 0) {
      throw new OneRosterViewError(
        "invalid_selection_field",
        400,
        unknown === undefined ? "fields names no field." : `'${unknown}' is not a field of these records.`,
      );
    }
  }
  const filter =
    parameters.filter !== undefined && parameters.filter.trim() !== ""
      ? parseFilter(entity, parameters.filter)
      : { predicates: [], join: "AND" as const };
  return { ...filter, sort, descending: parameters.orderBy === "desc", limit, offset, fields };
}

/** Where the view is served, for the records' `href`s (`https://host/ims/oneroster/rostering/v1p2`). */
export type ViewContext = { db: Database; school: OneRosterSchool; baseUrl: string };

type Json = Record<string, unknown>;

const refTypes = {
  users: "user",
  classes: "class",
  courses: "course",
  orgs: "org",
  academicSessions: "academicSession",
} as const;

function ref(context: ViewContext, collection: keyof typeof refTypes, sourcedId: string): Json {
  return {
    href: `${context.baseUrl}/${collection}/${encodeURIComponent(sourcedId)}`,
    sourcedId,
    type: refTypes[collection],
  };
}

const text = (row: OneRosterRow, column: string): string => row[column] ?? "";

/** One flat row as the record 1EdTech's OpenAPI describes (optional fields left out when empty). */
function toRecord(context: ViewContext, entity: OneRosterEntity, row: OneRosterRow): Json {
  const base: Json = {
    sourcedId: text(row, "sourcedId"),
    status: text(row, "status"),
    dateLastModified: text(row, "dateLastModified"),
  };
  const school = ref(context, "orgs", context.school.sourcedId);
  const grades = row.grades ? [row.grades] : [];
  switch (entity) {
    case "users":
      return {
        ...base,
        username: text(row, "username"),
        userIds: [],
        enabledUser: text(row, "enabledUser"),
        givenName: text(row, "givenName"),
        familyName: text(row, "familyName"),
        roles: [{ roleType: "primary", role: "student", org: school }],
        primaryOrg: school,
        identifier: text(row, "identifier"),
        email: text(row, "email"),
        agents: [],
        grades: [],
      };
    case "classes":
      return {
        ...base,
        title: text(row, "title"),
        ...(row.classCode !== null && row.classCode !== undefined && { classCode: row.classCode }),
        classType: text(row, "classType"),
        grades,
        subjects: [],
        course: ref(context, "courses", text(row, "courseSourcedId")),
        school,
        terms: [ref(context, "academicSessions", text(row, "termSourcedId"))],
        periods: [],
      };
    case "courses":
      return {
        ...base,
        title: text(row, "title"),
        courseCode: text(row, "courseCode"),
        grades,
        subjects: [],
        org: school,
      };
    case "academicSessions":
      return {
        ...base,
        title: text(row, "title"),
        startDate: text(row, "startDate"),
        endDate: text(row, "endDate"),
        type: text(row, "type"),
        ...(row.parentSourcedId && { parent: ref(context, "academicSessions", row.parentSourcedId) }),
        schoolYear: text(row, "schoolYear"),
      };
    case "enrollments":
      return {
        ...base,
        user: ref(context, "users", text(row, "userSourcedId")),
        class: ref(context, "classes", text(row, "classSourcedId")),
        school,
        role: text(row, "role"),
        primary: text(row, "primary"),
        ...(row.beginDate && { beginDate: row.beginDate }),
        ...(row.endDate && { endDate: row.endDate }),
      };
    case "orgs":
      return {
        ...base,
        name: text(row, "name"),
        type: text(row, "type"),
        identifier: text(row, "identifier"),
      };
  }
}

function selected(record: Json, fields: string[] | undefined): Json {
  if (!fields) return record;
  return Object.fromEntries(fields.filter((field) => field in record).map((field) => [field, record[field]]));
}

export type ViewPage = { body: Json; total: number; limit: number; offset: number };

/**
 * A page of a collection: `{ <many>: [records] }` with the total for `X-Total-Count`.
 * `enrolled` narrows it to a class's students or a student's classes; that class or
 * student must exist (else `unknownobject`).
 */
export async function viewCollection(
  context: ViewContext,
  collection: ViewCollection,
  parameters: ViewQueryParameters,
  enrolled?: { in: "class" | "user"; sourcedId: string },
): Promise<ViewPage> {
  const { entity, many, ...rest } = viewCollections[collection];
  const scope = "scope" in rest ? rest.scope : undefined;
  const { fields, ...query } = parseViewQuery(entity, parameters);
  if (enrolled) {
    // The class or student named in the path: 404 when it does not exist.
    const owner = enrolled.in === "class" ? "classes" : "students";
    await viewRecord(context, owner, enrolled.sourcedId);
  }
  const { rows, total } = await OneRosterRows.page(context.db, entity, context.school, {
    ...query,
    ...(scope && { scope }),
    ...(enrolled && { enrolled }),
  });
  return {
    body: { [many]: rows.map((row) => selected(toRecord(context, entity, row), fields)) },
    total,
    limit: query.limit,
    offset: query.offset,
  };
}

/** One record by sourcedId: `{ <one>: record }`, or `unknownobject`. */
export async function viewRecord(
  context: ViewContext,
  collection: ViewCollection,
  sourcedId: string,
  parameters: Pick<ViewQueryParameters, "fields"> = {},
): Promise<Json> {
  const { entity, one, ...rest } = viewCollections[collection];
  const scope = "scope" in rest ? rest.scope : [];
  const { fields } = parseViewQuery(entity, parameters);
  const { rows } = await OneRosterRows.page(context.db, entity, context.school, {
    predicates: [],
    join: "AND",
    scope: [...scope, { field: "sourcedId", op: "=", value: sourcedId }],
    sort: undefined,
    descending: false,
    limit: 1,
    offset: 0,
  });
  const row = rows[0];
  if (!row) throw unknownObject(one, sourcedId);
  return { [one]: selected(toRecord(context, entity, row), fields) };
}
