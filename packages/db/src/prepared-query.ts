import { createHash } from "node:crypto";
import type { Knex } from "knex";

/**
 * A parameter of a prepared query: an integer (an id, a limit), a text (a search pattern, a
 * setting), or a list (of ids, of statuses).
 */
export type PreparedValue = number | string | readonly number[] | readonly string[];

type Sql = { toSQL(): { sql: string; bindings: readonly unknown[] } };
/** What is compiled: an Objection query, or (for what Objection cannot say) a knex `raw`. */
type Compilable = { toKnexQuery(): Sql } | Sql;

/** The SQL of a compiled query, and where each of its bindings comes from. */
type Compiled<Params> = {
  sql: string;
  /** `registrar_<name>_<hash of the SQL>` */
  statementName: string;
  /** per binding: the parameter it stands for, or a constant of the query itself */
  bindings: Array<{ parameter: keyof Params } | { constant: unknown }>;
};

/**
 * Stand-ins for integer parameters while the query is compiled: integers no parameter can
 * take (ids and limits are int4, at most 2^31 - 1), so each binding of the compiled SQL is
 * recognised as the parameter it came from, wherever Objection put it. A list stands in as
 * an array object of its own, recognised by identity.
 */
const PLACEHOLDER_BASE = 2 ** 31;
/** A text parameter stands in as a string no caller sends (it starts with U+0000, which PostgreSQL text cannot hold). */
const TEXT_PLACEHOLDER = "\u0000registrar-parameter-";

/** How each parameter is bound: an integer, a text, or a list (one array parameter). */
export type ParameterKinds<Params> = {
  readonly [K in keyof Params]: Params[K] extends number
    ? "integer"
    : Params[K] extends string
      ? "text"
      : "list";
};

/**
 * A model query compiled to SQL once, on first use, and from then on run as a named
 * prepared statement that answers plain rows.
 *
 * Why: building an Objection query and compiling it with knex costs more CPU than
 * PostgreSQL's own work on a prepared statement (~80-170 µs a statement on the 2 vCPU
 * bench machine, against ~30 µs for knex to hand over fixed SQL), and making a model
 * instance per row ~2 µs more a row. The statements every request of the bench's
 * scenarios sends are compiled once here; the model query stays their single source, and
 * a request only binds its parameters. Select the columns under their property names
 * (`RegistrarModel.columnsAs`) so that the rows already are the shapes the caller wants.
 *
 * On `pg` the name makes PostgreSQL parse and plan the statement once per connection
 * (on the bench's read scenario ~2,500 statements/s unprepared, ~4,100/s prepared;
 * pgbench, 4 clients); PGlite ignores it, and the client sends it unnamed where a name
 * cannot be kept (`preparedStatements: false`, for PgBouncer before 1.21; pg-client.ts). The name ends in a hash of the SQL, so one name always means one
 * text, also across versions: behind a pooler that hands server sessions from one client
 * to another, a session may hold a statement another Registrar prepared, and binding to it
 * must run the same SQL.
 *
 * `build` gets a stand-in for each parameter and must use each as a plain value (a list
 * through `RegistrarModel.isAnyOf`/`isNoneOf`): the SQL must not depend on the values.
 *
 * `planEachRun`: the SQL is still compiled once, but sent unnamed, so PostgreSQL plans it
 * for the values of each run. For a statement whose best plan depends on its values: after
 * five runs of a named statement PostgreSQL may keep a generic plan, and for a search
 * pattern (`ILIKE $1`) that plan walks the primary key filtering every row (measured:
 * ~200 ms at 100,000 students for a pattern nobody matches, 0.05 ms planned for it).
 */
export function preparedQuery<Params extends Record<string, PreparedValue>, Row>(
  name: string,
  kinds: ParameterKinds<Params>,
  build: (db: Knex, params: Readonly<Params>) => Compilable,
  options: { planEachRun?: boolean } = {},
): (db: Knex | Knex.Transaction, params: Params) => Promise<Row[]> {
  let compiled: Compiled<Params> | undefined;
  return async (db, params) => {
    const client = clientOf(db);
    compiled ??= compile(name, kinds, build, db);
    const bindings = compiled.bindings.map((binding) =>
      "parameter" in binding ? params[binding.parameter] : binding.constant,
    );
    const connection = await client.acquireConnection();
    try {
      const { response } = await client.query<Row>(connection, {
        method: "raw",
        sql: compiled.sql,
        bindings,
        options: options.planEachRun ? {} : { name: compiled.statementName },
      });
      return response.rows;
    } finally {
      await client.releaseConnection(connection);
    }
  };
}

/**
 * knex's client, one level below its query builder: what `knex.raw(...)` itself ends in
 * (the runner acquires a connection, `client.query` emits the `query` event, positions the
 * bindings and sends the statement through the dialect, pg-client.ts or pglite-client.ts).
 * A compiled statement has nothing left to build, so it goes straight there: the raw
 * builder, its compilation and the runner cost ~40 µs of CPU a call (listStudentCourses,
 * 418 -> 375 µs, in process on the bench database, busy 2 vCPU machine).
 * A transaction's client hands out the transaction's own connection, so a statement in
 * `trx` runs in it, as `trx.raw` would.
 */
type KnexClient = {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
  query<Row>(
    connection: unknown,
    query: { method: "raw"; sql: string; bindings: unknown[]; options: { name?: string } },
  ): Promise<{ response: { rows: Row[] } }>;
};

// knex types its client as `any`; this is the part of it used here.
const clientOf = (db: Knex | Knex.Transaction): KnexClient => db.client as KnexClient;

/**
 * Builds the query with stand-ins, compiles it, and maps each binding back to its
 * parameter: an integer stand-in by value, a list stand-in (an array of its own) by
 * identity. Throws when a parameter was never bound: the statement would ignore it.
 */
function compile<Params extends Record<string, PreparedValue>>(
  name: string,
  kinds: ParameterKinds<Params>,
  build: (db: Knex, params: Readonly<Params>) => Compilable,
  db: Knex,
): Compiled<Params> {
  const parameters = Object.keys(kinds) as Array<keyof Params & string>;
  const placeholders: Record<string, PreparedValue> = {};
  const parameterOf = new Map<unknown, keyof Params>();
  parameters.forEach((parameter, index) => {
    const kind = kinds[parameter];
    const standIn =
      kind === "integer"
        ? PLACEHOLDER_BASE + index
        : kind === "text"
          ? `${TEXT_PLACEHOLDER}${index}`
          : [PLACEHOLDER_BASE + index];
    placeholders[parameter] = standIn;
    parameterOf.set(standIn, parameter);
  });
  const built = build(db, placeholders as Params);
  const { sql, bindings } = ("toKnexQuery" in built ? built.toKnexQuery() : built).toSQL();
  const used = new Set<keyof Params>();
  const mapped = bindings.map((value) => {
    const parameter = parameterOf.get(value);
    if (parameter === undefined) return { constant: value };
    used.add(parameter);
    return { parameter };
  });
  const unused = parameters.filter((parameter) => !used.has(parameter));
  if (unused.length > 0)
    throw new Error(`prepared query ${name}: parameters never bound: ${unused.join(", ")}`);
  const hash = createHash("sha256").update(sql).digest("hex").slice(0, 12);
  return { sql, statementName: `registrar_${name}_${hash}`, bindings: mapped };
}
