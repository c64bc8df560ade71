import { RegistrarModel } from "./RegistrarModel.ts";
import type { EnrollmentStatus } from "./StudentCourse.ts";

export type EnrollmentAction =
  | "enrolled"
  | "waitlisted"
  | "promoted"
  | "dropped"
  | "completed"
  | "reactivated";
export type ChangeSource = "rest" | "trpc" | "import" | "system";

/**
 * One entry of `enrollment_history` (migration 20261201000200). Entries are written only by
 * the database's triggers on `student_courses`, one per status change, and never updated
 * (a trigger refuses it): the application reads this model, it never inserts through it.
 */
export class EnrollmentHistory extends RegistrarModel {
  static override tableName = "enrollment_history";

  id!: number;
  /** ISO-8601 (timestamps.ts): the time of the transaction that made the change */
  at!: string;
  studentId!: number;
  courseId!: number;
  action!: EnrollmentAction;
  /** null for the entry that created the enrollment */
  fromStatus!: EnrollmentStatus | null;
  toStatus!: EnrollmentStatus;
  reason!: string | null;
  actorKeyId!: number | null;
  actorRole!: string | null;
  source!: ChangeSource;
}
