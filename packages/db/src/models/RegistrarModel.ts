import type { Knex } from "knex";
import { Model, type ModelObject, type Raw, raw, snakeCaseMappers } from "objection";

/**
 * One order a list can be sorted in: the SQL expression it orders by (a constant of the
 * model, never caller input; an index of `(expression, id)` serves it, migration
 * 20261203000400) and the type its value has, to compare a cursor's text with it.
 */
export type SortKey = { expression: string; type: "text" | "integer" | "timestamptz" };

/** Where the previous page of a sorted list ended: its last row's sort value (as text) and id. */
export type SortPosition = { value: string; id: number };

/** The static side of a model, as {@link RegistrarModel.columnsAs} needs it. */
type ModelStatics<M> = { new (): M; tableName: string; propertyNameToColumnName(property: string): string };

/**
 * The base of every model, and the one casing boundary of the data layer: tables and
 * columns are snake_case, model properties camelCase, and `columnNameMappers` is the only
 * place that translates between them. Queries name columns (`where("student_id", …)`);
 * what comes back through a model carries properties (`studentId`). The REST adapter
 * snake-cases its own wire format; nothing else converts.
 */
export class RegistrarModel extends Model {
  static override columnNameMappers = snakeCaseMappers();

  /**
   * Select-list entries that read `properties` from their columns under the property
   * names (`courses.enrolled_count as enrolledCount`), derived from the mapping above.
   * A statement that selects them answers rows that already are plain objects of those
   * properties: no instance per row and no per-row key mapping, which the hot reads and
   * the 1,000-row statements need (building an instance and its JSON costs ~2 µs a row:
   * 7-10% of the Node CPU of a read of 10 to 50 rows).
   */
  static columnsAs<M extends RegistrarModel>(
    this: ModelStatics<M>,
    properties: readonly (keyof ModelObject<M> & string)[],
    // biome-ignore lint/complexity/noThisInStatic: `this` is the model called (Course, Student, …), not RegistrarModel
    table: string = this.tableName,
  ): string[] {
    return properties.map((property) => {
      // biome-ignore lint/complexity/noThisInStatic: as above, the subclass's mapping
      const column = this.propertyNameToColumnName(property);
      return column === property ? `${table}.${column}` : `${table}.${column} as ${property}`;
    });
  }

  /**
   * `column = any(?::int[])`: whether `column` is one of `ids`, sent as one array
   * parameter. Raw SQL because Objection and knex spell a list as one parameter per id
   * (`in (?, ?, …)`): 1 and 1,000 ids would be different statements, each parsed and
   * planned anew with up to 1,000 parameters, and none could be compiled once
   * (`preparedQuery`). As an array the statement is the same for any number of ids.
   */
  static isAnyOf(column: string, ids: readonly number[]): Raw {
    return raw("?? = any(?::int[])", [column, ids]);
  }

  /** `column <> all(?::int[])`: whether `column` is none of `ids` (see {@link isAnyOf}). */
  static isNoneOf(column: string, ids: readonly number[]): Raw {
    return raw("?? <> all(?::int[])", [column, ids]);
  }

  /*
   * Keyset paging in any order of a model's `sortKeys`: the rows ordered by `(key, id)`,
   * both the same way so that one B-tree index of `(key, id)` serves it forwards or
   * backwards, and a page starts after the previous one's last `(key, id)`. Raw SQL
   * because knex has no row-value comparison (`(a, b) > (?, ?)`) and no ORDER BY of an
   * expression; the expressions are the models' constants, the values parameters.
   */

  /** `(key)::text as "sortKey"`: the value a cursor carries, exactly as the database compares it. */
  static sortKeyColumn(key: SortKey): Raw {
    return raw(`(${key.expression})::text as "sortKey"`);
  }

  /** The rows after `position` in the order of `key` (descending: before it). */
  static afterSortPosition(key: SortKey, descending: boolean, position: SortPosition): Raw {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the model called, for its table's id
    const id = `${this.tableName}.id`;
    return raw(`(${key.expression}, ??) ${descending ? "<" : ">"} (?::${key.type}, ?::integer)`, [
      id,
      position.value,
      position.id,
    ]);
  }

  /** ORDER BY the key, then the id, both the same way. */
  static sortOrder(key: SortKey, descending: boolean): string {
    const direction = descending ? "desc" : "asc";
    // biome-ignore lint/complexity/noThisInStatic: as above
    return `${key.expression} ${direction}, ${this.tableName}.id ${direction}`;
  }

  /**
   * One round trip that touches no table: the readiness probe's "the database answers".
   * Raw SQL: there is no model to ask, and any table would make it wait on that table's locks.
   */
  static async ping(db: Knex): Promise<void> {
    await db.raw("select 1");
  }
}
