import type { Knex } from "knex";
import type { RelationMappings } from "objection";
import { Course } from "./Course.ts";
import { RegistrarModel } from "./RegistrarModel.ts";

export type TermType = "term" | "semester" | "schoolYear" | "gradingPeriod";

/** A term as the OneRoster import reads and writes it. */
export type ImportedTerm = {
  id: number;
  name: string;
  type: TermType;
  startsOn: string;
  endsOn: string;
  parentId: number | null;
  sourcedId: string;
};

/** A term, semester, school year or grading period (migration 20261201000100). */
export class Term extends RegistrarModel {
  static override tableName = "terms";

  id!: number;
  name!: string;
  type!: TermType;
  /** `YYYY-MM-DD`, as the API returns it (timestamps.ts); never after `endsOn` (a CHECK) */
  startsOn!: string;
  endsOn!: string;
  parentId!: number | null;
  sourcedId!: string | null;
  createdAt!: string;
  updatedAt!: string;

  courses?: Course[];

  static override relationMappings = (): RelationMappings => ({
    courses: {
      relation: RegistrarModel.HasManyRelation,
      modelClass: Course,
      join: { from: "terms.id", to: "courses.term_id" },
    },
  });

  // ---- OneRoster import (packages/core/src/oneroster). Raw SQL for the reason given in Student.ts.

  /** Locks and reads the terms a package names by `sourcedId`. */
  static async lockForImport(db: Knex, sourcedIds: string[]): Promise<ImportedTerm[]> {
    const result = await db.raw<{ rows: ImportedTerm[] }>(
      `select id, name, type, to_char(starts_on, 'YYYY-MM-DD') as "startsOn", to_char(ends_on, 'YYYY-MM-DD') as "endsOn",
         parent_id as "parentId", sourced_id as "sourcedId"
       from terms where sourced_id = any(?::text[]) order by id for no key update`,
      [sourcedIds],
    );
    return result.rows;
  }

  /** Inserts new terms (without parents: those follow in {@link updateForImport}). */
  static async insertForImport(
    db: Knex,
    rows: Array<Omit<ImportedTerm, "id" | "parentId">>,
  ): Promise<Array<{ id: number; sourcedId: string }>> {
    if (rows.length === 0) return [];
    const result = await db.raw<{ rows: Array<{ id: number; sourcedId: string }> }>(
      `insert into terms (name, type, starts_on, ends_on, sourced_id)
       select t.name, t.type, t."startsOn", t."endsOn", t."sourcedId"
       from jsonb_to_recordset(?::jsonb) as t(name text, type text, "startsOn" date, "endsOn" date, "sourcedId" text)
       returning id, sourced_id as "sourcedId"`,
      [JSON.stringify(rows)],
    );
    return result.rows;
  }

  /** Updates terms whose values differ (an unchanged row is not touched); answers the ids changed. */
  static async updateForImport(db: Knex, rows: ImportedTerm[]): Promise<number[]> {
    if (rows.length === 0) return [];
    const result = await db.raw<{ rows: Array<{ id: number }> }>(
      `update terms s set name = t.name, type = t.type, starts_on = t."startsOn", ends_on = t."endsOn",
         parent_id = t."parentId", updated_at = now()
       from jsonb_to_recordset(?::jsonb)
         as t(id int, name text, type text, "startsOn" date, "endsOn" date, "parentId" int)
       where s.id = t.id
         and (s.name, s.type, s.starts_on, s.ends_on, s.parent_id)
           is distinct from (t.name, t.type, t."startsOn", t."endsOn", t."parentId")
       returning s.id`,
      [JSON.stringify(rows)],
    );
    return result.rows.map((row) => row.id);
  }
}
