import { type Access, authorize, type Principal, RequestProblem } from "@registrar/core";
import type { Database } from "@registrar/db";

/**
 * Who may call an operation: a function of its parsed input giving the core `Access` it
 * needs (undefined: none, for the few public routes). Made only by the constructors below,
 * which also say what of it can be decided before the input is parsed.
 */
export type AccessRule<Input> = {
  (input: Input): Access | undefined;
  /**
   * The access when it does not depend on the input at all: checked before the input is
   * parsed, so a caller who may never call the operation is refused whatever it sends
   * (403, not 400).
   */
  readonly fixed?: Access;
  /**
   * A write that names a student. A role that may write nothing is refused before the
   * input is parsed, like a fixed write; a student key is decided after (404 for another
   * student, 403 for itself), because its answer depends on the student named.
   */
  readonly writesStudent?: true;
  /** Refused when the server runs without auth (see {@link managesKeys}). */
  readonly needsAuth?: true;
};

type RuleShape = Pick<AccessRule<unknown>, "fixed" | "writesStudent" | "needsAuth">;

function rule<Input>(of: (input: Input) => Access | undefined, shape: RuleShape): AccessRule<Input> {
  return Object.assign((input: Input) => of(input), shape);
}

function fixedRule(access: Access | undefined, shape: RuleShape = {}): AccessRule<unknown> {
  return rule(() => access, access ? { ...shape, fixed: access } : shape);
}

/** Open to anyone who reached it (health; the path's key requirement is the guard's). */
export const open: AccessRule<unknown> = fixedRule(undefined);

/** A read of many (lists, rosters): any role but a student key. */
export const reads: AccessRule<unknown> = fixedRule({ kind: "read" });

/** A write that names no student: admin and registrar keys. */
export const writes: AccessRule<unknown> = fixedRule({ kind: "write" });

/**
 * Administration (a OneRoster import, which replaces data in bulk; webhook subscriptions):
 * admin keys only when auth is required; with auth off every caller is trusted, as for
 * every other write.
 */
export const administers: AccessRule<unknown> = fixedRule({ kind: "admin" });

/**
 * Managing API keys: admin keys only, and only when the server runs with AUTH=required:
 * with auth off anyone could mint a key that would later be honoured.
 */
export const managesKeys: AccessRule<unknown> = fixedRule({ kind: "admin" }, { needsAuth: true });

/** Reads one student's own data, which that student's key may read too. */
export function readsStudent<Input>(studentId: (input: Input) => number): AccessRule<Input> {
  return rule((input) => ({ kind: "read-student", studentId: studentId(input) }), {});
}

/** Reads one course, which a student key may read when enrolled in it. */
export function readsCourse<Input>(courseId: (input: Input) => number): AccessRule<Input> {
  return rule((input) => ({ kind: "read-course", courseId: courseId(input) }), {});
}

/**
 * Reads enrollment history: of a student or of one of its pairs, like the student's own
 * course list (a student key may read its own); of a whole course, as a read of many.
 */
export function readsHistory<Input extends { studentId?: number | undefined }>(): AccessRule<Input> {
  return rule(
    ({ studentId }) => (studentId === undefined ? { kind: "read" } : { kind: "read-student", studentId }),
    {},
  );
}

/** Changes one student or their enrollments. */
export function writesStudent<Input>(studentId: (input: Input) => number): AccessRule<Input> {
  return rule((input) => ({ kind: "write", studentId: studentId(input) }), { writesStudent: true });
}

/** Who is calling, as both transports know it once the key has been verified. */
export type Caller = {
  db: Database;
  /** The verified key when auth is required; undefined when auth is off (or on a public path). */
  principal: Principal | undefined;
};

const keysNeedAuth = () =>
  new RequestProblem("forbidden", "Managing API keys needs AUTH=required; use `pnpm keys` on the server.");

/**
 * The part of the access check that needs no input: both transports call it before they
 * parse, then {@link authorizeInput} after. Together they are the only role check.
 */
export async function authorizeBeforeInput(caller: Caller, access: AccessRule<never>): Promise<void> {
  const { principal } = caller;
  if (!principal) {
    if (access.needsAuth) throw keysNeedAuth();
    return;
  }
  if (access.fixed) return authorize(caller.db, principal, access.fixed);
  if (access.writesStudent && principal.role !== "student") {
    return authorize(caller.db, principal, { kind: "write" });
  }
}

/** The rest of the access check, on the parsed input: what depends on the ids it names. */
export async function authorizeInput<Input>(
  caller: Caller,
  access: AccessRule<Input>,
  input: Input,
): Promise<void> {
  if (!caller.principal || access.fixed) return;
  const needed = access(input);
  if (needed) await authorize(caller.db, caller.principal, needed);
}
