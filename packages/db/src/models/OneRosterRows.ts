import type { Knex } from "knex";

/**
 * Registrar's rows as OneRoster 1.2 records (the REST view under
 * `/ims/oneroster/rostering/v1p2` and the CSV export), one flat row per record: every value
 * a text column named as OneRoster names the field, so that the view's `filter` and `sort`
 * run in the database over these columns (see {@link OneRosterRows.page}).
 *
 * Generated sourcedIds (a row without `sourced_id`, or a record Registrar does not store),
 * deterministic from the row's id so that every export and every answer repeats them:
 * `registrar-student-<id>`, `registrar-class-<course id>`, `registrar-term-<id>`,
 * `registrar-course-<course id>` (the OneRoster course of a Registrar course: Registrar has
 * no separate course object), `registrar-enrollment-<student id>-<course id>`,
 * `registrar-role-<student id>`, and `registrar-term-none` (the session of the classes that
 * have no term; OneRoster requires one). A generated id another row stores as its own gets
 * a suffix (see generatedSourcedId).
 *
 * Raw SQL because every column is an expression (the generated ids, the UTC ISO-8601
 * formatting, the name split, the union with the session of term-less classes): Objection
 * builds none of those, and as text the values compare and sort the same on both databases
 * (`collate "C"`: byte order, whatever the server's locale).
 */

export type OneRosterEntity = "academicSessions" | "classes" | "courses" | "enrollments" | "orgs" | "users";

/** The one school every record belongs to (server configuration). */
export type OneRosterSchool = { sourcedId: string; name: string };

/** A record's columns, all text or null. `registrarKey` orders a record among its kind. */
export type OneRosterRow = Record<string, string | null>;

export const TERMLESS_SESSION_SOURCED_ID = "registrar-term-none";

const iso = (column: string) => `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
const day = (column: string) => `to_char(${column}, 'YYYY-MM-DD')`;

/** A class's sourcedId, from the `courses` row `c`. */
/**
 * A row's sourcedId: its own, else `<prefix><id>`; and should another row of the table
 * store exactly that (a server that imported another Registrar's export, then created
 * records of its own), `<prefix><id>-<creation time in µs>` instead, which no other row can
 * derive. One unique-index lookup per row; still a function of the row and the table.
 */
const generatedSourcedId = (table: string, prefix: string) => (alias: string) => {
  const natural = `'${prefix}' || ${alias}.id`;
  return `coalesce(${alias}.sourced_id, case
    when exists (select 1 from ${table} taken where taken.sourced_id = ${natural})
    then ${natural} || '-' || (extract(epoch from ${alias}.created_at) * 1000000)::bigint
    else ${natural} end)`;
};
const classSourcedId = generatedSourcedId("courses", "registrar-class-");
const studentSourcedId = generatedSourcedId("students", "registrar-student-");
const termSourcedId = generatedSourcedId("terms", "registrar-term-");
/** The epoch: the `dateLastModified` of the configured school, which nothing in the database changes. */
const SCHOOL_LAST_MODIFIED = "1970-01-01T00:00:00.000Z";

/**
 * Each record kind's columns (OneRoster field → SQL expression) and its source, with the
 * column that pages the export in key order (`keyColumns`, the table's primary key).
 */
const sources: Record<
  OneRosterEntity,
  {
    columns: Record<string, string>;
    /** the table that drives the query, `table alias`, and what it joins */
    from: string;
    joins?: string;
    /** a condition on the driving table only */
    where?: string;
    keyColumns: string[];
  }
> = {
  users: {
    from: "students s",
    keyColumns: ["s.id"],
    columns: {
      sourcedId: studentSourcedId("s"),
      status: "'active'",
      dateLastModified: iso("s.updated_at"),
      enabledUser: "'true'",
      username: "s.email",
      // The name up to its first space, and the rest (a one-word name has no family name).
      givenName:
        "case when strpos(s.name, ' ') > 0 then substr(s.name, 1, strpos(s.name, ' ') - 1) else s.name end",
      familyName:
        "case when strpos(s.name, ' ') > 0 then substr(s.name, strpos(s.name, ' ') + 1) else '' end",
      email: "s.email",
      role: "'student'",
      roleSourcedId: "'registrar-role-' || s.id",
      identifier: "s.id::text",
    },
  },
  classes: {
    from: "courses c",
    joins: "left join terms t on t.id = c.term_id",
    keyColumns: ["c.id"],
    columns: {
      sourcedId: classSourcedId("c"),
      status: "'active'",
      dateLastModified: iso("c.updated_at"),
      title: "c.name",
      classCode: "c.code",
      classType: "'scheduled'",
      grades: "nullif(c.level, 'unspecified')",
      courseSourcedId: "'registrar-course-' || c.id",
      termSourcedId: `case when t.id is null then '${TERMLESS_SESSION_SOURCED_ID}' else ${termSourcedId("t")} end`,
    },
  },
  courses: {
    from: "courses c",
    keyColumns: ["c.id"],
    columns: {
      sourcedId: "'registrar-course-' || c.id",
      status: "'active'",
      dateLastModified: iso("c.updated_at"),
      title: "c.name",
      courseCode: "coalesce(c.code, 'registrar-course-' || c.id)",
      grades: "nullif(c.level, 'unspecified')",
    },
  },
  academicSessions: {
    from: "terms t",
    joins: "left join terms p on p.id = t.parent_id",
    keyColumns: ["t.id"],
    columns: {
      sourcedId: termSourcedId("t"),
      status: "'active'",
      dateLastModified: iso("t.updated_at"),
      title: "t.name",
      type: "t.type",
      startDate: day("t.starts_on"),
      endDate: day("t.ends_on"),
      parentSourcedId: `case when p.id is null then null else ${termSourcedId("p")} end`,
      // OneRoster's school year is named by the year it ends in.
      schoolYear: "extract(year from t.ends_on)::int::text",
    },
  },
  enrollments: {
    from: "student_courses sc",
    joins: "join students s on s.id = sc.student_id join courses c on c.id = sc.course_id",
    // Waitlisted students are not (yet) in the class; dropped and completed ones were.
    where: "sc.status in ('active', 'dropped', 'completed')",
    keyColumns: ["sc.student_id", "sc.course_id"],
    columns: {
      sourcedId: "'registrar-enrollment-' || sc.student_id || '-' || sc.course_id",
      status: "case when sc.status = 'active' then 'active' else 'tobedeleted' end",
      dateLastModified: iso("greatest(sc.enrolled_at, sc.dropped_at)"),
      classSourcedId: classSourcedId("c"),
      userSourcedId: studentSourcedId("s"),
      role: "'student'",
      primary: "'false'",
      beginDate: day("sc.begin_date"),
      endDate: day("sc.end_date"),
    },
  },
  orgs: { from: "", keyColumns: [], columns: {} },
};

/** The fields of each kind that `filter` and `sort` may name (the view's allow-list). */
export const oneRosterColumns: Record<OneRosterEntity, readonly string[]> = {
  users: Object.keys(sources.users.columns),
  classes: [...Object.keys(sources.classes.columns), "schoolSourcedId"],
  courses: [...Object.keys(sources.courses.columns), "orgSourcedId"],
  academicSessions: Object.keys(sources.academicSessions.columns),
  enrollments: [...Object.keys(sources.enrollments.columns), "schoolSourcedId"],
  orgs: ["sourcedId", "status", "dateLastModified", "name", "type", "identifier"],
};

export type OneRosterComparison = "=" | "!=" | ">" | ">=" | "<" | "<=" | "~";
export type OneRosterPredicate = { field: string; op: OneRosterComparison; value: string };
export type OneRosterQuery = {
  /** up to two predicates; `join` combines them */
  predicates: OneRosterPredicate[];
  join: "AND" | "OR";
  /** further conditions, all of which must hold (the nested routes' class or student) */
  scope?: OneRosterPredicate[];
  /** only the students of one class, or the classes of one student (active enrollments) */
  enrolled?: { in: "class" | "user"; sourcedId: string };
  sort: string | undefined;
  descending: boolean;
  limit: number;
  offset: number;
};

const sqlOperators: Record<Exclude<OneRosterComparison, "~">, string> = {
  "=": "=",
  "!=": "<>",
  ">": ">",
  ">=": ">=",
  "<": "<",
  "<=": "<=",
};

/** Escapes `%`, `_` and `\` for a LIKE pattern (the `~` "contains" operator). */
const likeEscaped = (value: string) => value.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * One kind's records as a derived table `r` (columns as {@link oneRosterColumns}), with
 * `registrarKey0..n` (the primary key) for the export's keyset paging.
 */
function source(
  db: Knex,
  entity: OneRosterEntity,
  school: OneRosterSchool,
  keyset?: { after: number[] | undefined; limit: number },
): Knex.Raw {
  if (entity === "orgs") {
    return db.raw(
      `(select ?::text as "sourcedId", 'active'::text as "status", ?::text as "dateLastModified",
               ?::text as "name", 'school'::text as "type", ?::text as "identifier") as r`,
      [school.sourcedId, SCHOOL_LAST_MODIFIED, school.name, school.sourcedId],
    );
  }
  const source = sources[entity];
  const schoolColumn =
    entity === "classes" || entity === "enrollments"
      ? `, ?::text as "schoolSourcedId"`
      : entity === "courses"
        ? `, ?::text as "orgSourcedId"`
        : "";
  const columns = Object.entries(source.columns)
    .map(([name, expression]) => `${expression} as "${name}"`)
    .join(", ");
  const keys = source.keyColumns.map((column, index) => `${column} as "registrarKey${index}"`).join(", ");
  const bindings: Array<string | number> = schoolColumn ? [school.sourcedId] : [];
  const joins = source.joins ? ` ${source.joins}` : "";
  let driving = source.from;
  let where = source.where ? ` where ${source.where}` : "";
  if (keyset) {
    // The export's page is cut from the driving table by its primary key before anything
    // is joined: one index range scan of `limit` rows, however deep the page.
    const [table, alias] = source.from.split(" ");
    const keyList = source.keyColumns.join(", ");
    const conditions = [
      ...(source.where ? [source.where] : []),
      ...(keyset.after ? [`(${keyList}) > (${source.keyColumns.map(() => "?").join(", ")})`] : []),
    ];
    driving = `(select * from ${table} ${alias}${conditions.length > 0 ? ` where ${conditions.join(" and ")}` : ""}
      order by ${keyList} limit ?) ${alias}`;
    bindings.push(...(keyset.after ?? []), keyset.limit);
    where = "";
  }
  let select = `select ${columns}${schoolColumn}, ${keys} from ${driving}${joins}${where}`;
  if (entity === "academicSessions" && !keyset) {
    // The session of the classes without a term (ClassDType requires one), spanning their
    // creation dates; present only while such a class exists. Not in the export (a bulk
    // package leaves such a class without a term, as Registrar does).
    select += ` union all
      select '${TERMLESS_SESSION_SOURCED_ID}', 'active', ${iso("max(c.updated_at)")}, 'No term', 'schoolYear',
             ${day("min(c.created_at)::date")}, ${day("max(c.created_at)::date")}, null,
             extract(year from max(c.created_at))::int::text, 2147483647
      from courses c where c.term_id is null having count(*) > 0`;
  }
  return db.raw(`(${select}) as r`, bindings);
}

/**
 * A page of the view: the records matching `query`, sorted (by `sort`, then by sourcedId,
 * so that pages never overlap), and their total count. Every field was checked against
 * {@link oneRosterColumns} by the caller, and is bound as an identifier (`??`) anyway;
 * every value is a bound parameter. Text comparisons in byte order (`collate "C"`).
 */
async function page(
  db: Knex,
  entity: OneRosterEntity,
  school: OneRosterSchool,
  query: OneRosterQuery,
): Promise<{ rows: OneRosterRow[]; total: number }> {
  const matching = (builder: Knex.QueryBuilder) => {
    builder.from(source(db, entity, school));
    for (const predicate of query.scope ?? []) builder.whereRaw(...condition(predicate));
    if (query.enrolled) builder.whereRaw(...enrolledCondition(query.enrolled));
    if (query.predicates.length > 0) {
      builder.where((inner) => {
        for (const predicate of query.predicates) {
          if (query.join === "OR") inner.orWhereRaw(...condition(predicate));
          else inner.whereRaw(...condition(predicate));
        }
      });
    }
    return builder;
  };
  const direction = query.descending ? "desc" : "asc";
  const rowsQuery = matching(db.queryBuilder()).select("r.*");
  if (query.sort !== undefined) {
    rowsQuery.orderByRaw(`?? collate "C" ${direction} nulls last`, [`r.${query.sort}`]);
  }
  rowsQuery.orderByRaw(`r."sourcedId" collate "C" ${direction}`).limit(query.limit).offset(query.offset);
  const [rows, counted] = await Promise.all([
    rowsQuery as Promise<OneRosterRow[]>,
    matching(db.queryBuilder()).count({ total: "*" }) as Promise<Array<{ total: number | string }>>,
  ]);
  return { rows: rows.map(withoutKeys), total: Number(counted[0]?.total ?? 0) };
}

/**
 * The users enrolled (actively) in the class of `sourcedId`, or the classes the user of
 * `sourcedId` is enrolled in: a semi-join on the primary key of `r`.
 */
function enrolledCondition(enrolled: NonNullable<OneRosterQuery["enrolled"]>): [string, string[]] {
  return enrolled.in === "class"
    ? [
        `exists (select 1 from student_courses sc join courses c on c.id = sc.course_id
           where sc.student_id = r."registrarKey0" and sc.status = 'active' and ${classSourcedId("c")} = ?)`,
        [enrolled.sourcedId],
      ]
    : [
        `exists (select 1 from student_courses sc join students s on s.id = sc.student_id
           where sc.course_id = r."registrarKey0" and sc.status = 'active' and ${studentSourcedId("s")} = ?)`,
        [enrolled.sourcedId],
      ];
}

/** `field op value` as SQL with bindings: a bound identifier and a bound value. */
function condition(predicate: OneRosterPredicate): [string, string[]] {
  const column = `r.${predicate.field}`;
  if (predicate.op === "~") {
    return [`?? ilike ? escape '\\'`, [column, `%${likeEscaped(predicate.value)}%`]];
  }
  return [`?? collate "C" ${sqlOperators[predicate.op]} ?`, [column, predicate.value]];
}

/**
 * The export's page of one kind: up to `limit` records after the key `after` (the
 * previous page's last `key`, none for the first), in primary-key order. Keyset paging:
 * each page is one index range scan, whatever the page's depth.
 */
async function after(
  db: Knex,
  entity: Exclude<OneRosterEntity, "orgs">,
  school: OneRosterSchool,
  after: number[] | undefined,
  limit: number,
): Promise<{ rows: OneRosterRow[]; key: number[] | undefined }> {
  const keyCount = sources[entity].keyColumns.length;
  const keys = Array.from({ length: keyCount }, (_, index) => `r."registrarKey${index}"`);
  const rowsQuery = db
    .queryBuilder()
    .from(source(db, entity, school, { after, limit }))
    .select("r.*")
    .orderByRaw(keys.join(", "));
  const rows = (await rowsQuery) as Array<Record<string, string | number | null>>;
  const last = rows.at(-1);
  return {
    rows: rows.map(withoutKeys),
    key: last ? keys.map((_, index) => Number(last[`registrarKey${index}`])) : undefined,
  };
}

/** The OneRoster records' queries (the view's pages, the export's keyset pages). */
export const OneRosterRows = { source, page, after };

function withoutKeys(row: Record<string, unknown>): OneRosterRow {
  const record: OneRosterRow = {};
  for (const [name, value] of Object.entries(row)) {
    if (!name.startsWith("registrarKey")) record[name] = value === null ? null : String(value);
  }
  return record;
}
