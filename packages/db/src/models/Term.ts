import type { RelationMappings } from "objection";
import { Course } from "./Course.ts";
import { RegistrarModel } from "./RegistrarModel.ts";

export type TermType = "term" | "semester" | "schoolYear" | "gradingPeriod";

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
}
