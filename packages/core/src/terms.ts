import { type Database, preparedQuery, Term as TermModel } from "@registrar/db";
import { fn } from "objection";
import { isCheckViolation, isForeignKeyViolation, isUniqueViolation } from "./database-errors.ts";
import { SourcedIdTaken, TermInUse, TermNotFound, ValidationFailed } from "./errors.ts";
import { pageOf, pageWindow } from "./paging.ts";
import { termColumns } from "./rows.ts";
import type { CreateTermInput, PageInput, Term, TermPage, UpdateTermFields } from "./schemas.ts";

const SOURCED_ID_UNIQUE = "terms_sourced_id_unique";

/** The database's refusals of a term's fields, as the contract names them. */
function termFieldProblem(error: unknown, fields: { parentId?: number | null; sourcedId?: string | null }) {
  if (isForeignKeyViolation(error) && typeof fields.parentId === "number") {
    return new TermNotFound(fields.parentId, 422);
  }
  if (isUniqueViolation(error, SOURCED_ID_UNIQUE) && fields.sourcedId)
    return new SourcedIdTaken(fields.sourcedId);
  // a PATCH of one date checks the pair as stored
  if (isCheckViolation(error, "terms_dates_check")) {
    return new ValidationFailed([{ path: "endsOn", message: "must not be before the term's start date" }]);
  }
  if (isCheckViolation(error, "terms_parent_not_self")) {
    return new ValidationFailed([{ path: "parentId", message: "must not be the term itself" }]);
  }
  if (isCheckViolation(error, "terms_parent_cycle")) {
    return new ValidationFailed([
      { path: "parentId", message: "must not be one of the term's own subterms" },
    ]);
  }
  return undefined;
}

export async function createTerm(db: Database, input: CreateTermInput): Promise<Term> {
  try {
    const term = await TermModel.query(db)
      .insert({
        name: input.name,
        type: input.type ?? "term",
        startsOn: input.startsOn,
        endsOn: input.endsOn,
        parentId: input.parentId ?? null,
        sourcedId: input.sourcedId ?? null,
      })
      .returning(termColumns);
    return term.toJSON() as Term;
  } catch (error) {
    throw termFieldProblem(error, input) ?? error;
  }
}

const termById = preparedQuery<{ termId: number }, Term>("get_term", { termId: "integer" }, (db, p) =>
  TermModel.query(db).select(termColumns).where("terms.id", p.termId),
);

export async function getTerm(db: Database, termId: number): Promise<Term> {
  const [row] = await termById(db, { termId });
  if (!row) throw new TermNotFound(termId);
  return row;
}

const termsPage = preparedQuery<{ afterId: number; limit: number }, Term>(
  "list_terms",
  { afterId: "integer", limit: "integer" },
  (db, p) =>
    TermModel.query(db)
      .select(termColumns)
      .where("terms.id", ">", p.afterId)
      .orderBy("terms.id")
      .limit(p.limit),
);

export async function listTerms(db: Database, page?: PageInput): Promise<TermPage> {
  const { afterId, limit } = pageWindow(page);
  const rows = await termsPage(db, { afterId, limit: limit + 1 });
  const { items, nextCursor } = pageOf(rows, limit);
  return { terms: items, nextCursor };
}

export async function updateTerm(db: Database, termId: number, fields: UpdateTermFields): Promise<Term> {
  if (Object.values(fields).every((value) => value === undefined)) return getTerm(db, termId);
  try {
    const term = await TermModel.query(db)
      .patch({ ...fields, updatedAt: fn.now() })
      .findById(termId)
      .returning(termColumns);
    if (!term) throw new TermNotFound(termId);
    return term.toJSON() as Term;
  } catch (error) {
    throw termFieldProblem(error, fields) ?? error;
  }
}

/**
 * Deletes a term that nothing uses. The foreign keys of courses and of child terms refuse
 * the deletion of one in use (`term_in_use`): checked by the database, under the row lock
 * of the DELETE, so a course assigned to the term meanwhile cannot slip through.
 */
export async function deleteTerm(db: Database, termId: number): Promise<void> {
  try {
    const deleted = await TermModel.query(db).deleteById(termId);
    if (deleted === 0) throw new TermNotFound(termId);
  } catch (error) {
    if (isForeignKeyViolation(error)) throw new TermInUse(termId);
    throw error;
  }
}
