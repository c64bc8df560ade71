import { DEFAULT_PAGE_SIZE, MAX_NAME_LENGTH, MAX_PAGE_SIZE } from "@registrar/contract";
import {
  createTerm,
  createTermInput,
  deleteTerm,
  getTerm,
  idSchema,
  listTerms,
  pageInput,
  termPageSchema,
  termSchema,
  termTypes,
  updateTerm,
  updateTermFields,
} from "@registrar/core";
import { z } from "zod";
import { reads, writes } from "./access.ts";
import { defineOperation } from "./define-operation.ts";
import { termEtag } from "./etags.ts";
import { camelCasedBody, idParams, pageQuery, restBodyOf } from "./rest-schemas.ts";

const tag = "Terms";
const byId = z.strictObject({ id: idSchema });
const typeList = termTypes.map((type) => `\`${type}\``).join(", ");

export const termOperations = {
  create: defineOperation({
    name: "terms.create",
    kind: "mutation",
    input: createTermInput,
    output: termSchema,
    access: writes,
    problems: [{ code: "term_not_found", status: 422 }, "sourced_id_taken"],
    run: ({ db }, fields) => createTerm(db, fields),
    rest: {
      method: "post",
      path: "/terms",
      operationId: "createTerm",
      summary: "Create a term",
      description:
        `\`name\` is trimmed (1..${MAX_NAME_LENGTH} characters); \`type\` one of ${typeList} (default \`term\`); ` +
        "`starts_on` and `ends_on` are dates written YYYY-MM-DD, `starts_on <= ends_on`; `parent_id` names " +
        "another term (422 `term_not_found` when it does not exist) or null. Answers the term with its id and " +
        "a Location header.",
      tag,
      body: restBodyOf(createTermInput).refine((term) => term.starts_on <= term.ends_on, {
        path: ["ends_on"],
        message: "must not be before starts_on",
      }),
      input: ({ body }) => camelCasedBody(body),
      responses: { 201: { description: "The new term" } },
      status: 201,
      location: (term) => `/terms/${term.id}`,
    },
  }),
  list: defineOperation({
    name: "terms.list",
    kind: "query",
    input: pageInput.optional(),
    output: termPageSchema,
    access: reads,
    problems: [],
    run: ({ db }, page) => listTerms(db, page),
    rest: {
      method: "get",
      path: "/terms",
      operationId: "listTerms",
      summary: "List terms, by id, a page at a time",
      description:
        `Terms in ascending id, \`limit\` at a time (1..${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}). ` +
        "Pass `next_cursor` back as `cursor` for the next page; it is null on the last one.",
      tag,
      query: pageQuery,
      input: ({ query }) => query,
      responses: { 200: { description: "A page of terms" } },
      status: 200,
    },
  }),
  byId: defineOperation({
    name: "terms.byId",
    kind: "query",
    input: byId,
    output: termSchema,
    access: reads,
    problems: ["term_not_found"],
    run: ({ db }, { id }) => getTerm(db, id),
    rest: {
      method: "get",
      path: "/terms/{id}",
      operationId: "getTerm",
      summary: "Get a term",
      description: "One term by id; 404 `term_not_found` when there is none.",
      tag,
      params: idParams,
      input: ({ params }) => ({ id: params.id }),
      responses: { 200: { description: "The term" } },
      status: 200,
      etag: termEtag,
    },
  }),
  update: defineOperation({
    name: "terms.update",
    kind: "mutation",
    input: updateTermFields.extend({ id: idSchema }),
    output: termSchema,
    access: writes,
    problems: ["term_not_found", { code: "term_not_found", status: 422 }, "sourced_id_taken"],
    run: ({ db }, { id, ...fields }) => updateTerm(db, id, fields),
    rest: {
      method: "patch",
      path: "/terms/{id}",
      operationId: "updateTerm",
      summary: "Change a term",
      description:
        "Changes the fields sent, with the same rules as on creation (the dates as they will be must still " +
        "satisfy `starts_on <= ends_on`). 404 `term_not_found` for a missing path term; a `parent_id` that " +
        "does not exist is 422 `term_not_found`; a `parent_id` that is the term itself or one of its subterms " +
        "is 400 `validation_failed`.",
      tag,
      params: idParams,
      body: restBodyOf(updateTermFields),
      input: ({ params, body }) => ({ ...camelCasedBody(body), id: params.id }),
      responses: { 200: { description: "The term as changed" } },
      status: 200,
      etag: termEtag,
    },
  }),
  delete: defineOperation({
    name: "terms.delete",
    kind: "mutation",
    input: byId,
    output: z.object({ id: idSchema, deleted: z.literal(true) }),
    access: writes,
    problems: ["term_not_found", "term_in_use"],
    run: async ({ db }, { id }) => {
      await deleteTerm(db, id);
      return { id, deleted: true as const };
    },
    rest: {
      method: "delete",
      path: "/terms/{id}",
      operationId: "deleteTerm",
      summary: "Delete a term that nothing uses",
      description:
        "Deletes the term; 204. A term that a course names, or that is the parent of another term, is " +
        "refused with 409 `term_in_use`.",
      tag,
      params: idParams,
      input: ({ params }) => ({ id: params.id }),
      responses: { 204: { description: "Deleted" } },
      status: 204,
      etag: termEtag,
    },
  }),
};
