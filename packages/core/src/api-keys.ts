import { createHash, randomBytes } from "node:crypto";
import { MAX_KEY_NAME_LENGTH } from "@registrar/contract";
import { ApiKey as ApiKeyModel, type Database, StudentCourse as StudentCourseModel } from "@registrar/db";
import { fn, ref } from "objection";
import { z } from "zod";
import { isForeignKeyViolation } from "./database-errors.ts";
import { CourseNotFound, DomainError, RequestProblem, StudentNotFound } from "./errors.ts";
import { idSchema, MAX_ID } from "./schemas.ts";

/**
 * API keys and what each role may do. A key reads `rk_<id>_<secret>`: the id finds the row
 * with one primary-key lookup, the secret (32 random bytes, base64url) is checked against
 * its stored SHA-256. The full key is shown once, at creation, and never stored.
 */

export const apiKeyRoles = ["admin", "registrar", "reader", "student"] as const;
export type ApiKeyRole = (typeof apiKeyRoles)[number];
export const apiKeyRoleSchema = z.enum(apiKeyRoles);

export const createApiKeyInput = z
  .strictObject({
    role: apiKeyRoleSchema,
    studentId: idSchema.optional(),
    name: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(MAX_KEY_NAME_LENGTH, `must be at most ${MAX_KEY_NAME_LENGTH} characters`)
      .optional(),
  })
  .refine((input) => (input.role === "student") === (input.studentId !== undefined), {
    message: "a student key needs a student id, and only a student key has one",
    path: ["studentId"],
  });
export type CreateApiKeyInput = z.input<typeof createApiKeyInput>;

/** A key as listed: everything but its secret. */
export type ApiKey = {
  id: number;
  name: string | null;
  role: ApiKeyRole;
  studentId: number | null;
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
};

/** Who is calling, once a key has been verified. */
export type Principal = { keyId: number; role: ApiKeyRole; studentId: number | null };

export class ApiKeyNotFound extends DomainError<{ keyId: number }> {
  constructor(keyId: number) {
    super("not_found", `API key ${keyId} does not exist.`, { keyId });
  }
}

const tokenPattern = /^rk_([1-9][0-9]{0,9})_([A-Za-z0-9_-]{43})$/;

function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** An ApiKey's columns: everything but the secret's hash. */
const apiKeyColumns = ApiKeyModel.columnsAs([
  "id",
  "name",
  "role",
  "studentId",
  "createdAt",
  "revokedAt",
  "lastUsedAt",
]);

/** A key as the API lists it. Property by property, so the secret's hash can never slip in. */
const asApiKey = (key: ApiKeyModel): ApiKey => ({
  id: key.id,
  name: key.name,
  role: apiKeyRoleSchema.parse(key.role),
  studentId: key.studentId,
  createdAt: key.createdAt,
  revokedAt: key.revokedAt,
  lastUsedAt: key.lastUsedAt,
});

/** Creates a key; the returned `token` is the only time the secret exists outside the caller. */
export async function createApiKey(
  db: Database,
  input: CreateApiKeyInput,
): Promise<{ apiKey: ApiKey; token: string }> {
  const { role, studentId, name } = createApiKeyInput.parse(input);
  const secret = randomBytes(32).toString("base64url");
  try {
    const inserted = await ApiKeyModel.query(db)
      .insert({ name: name ?? null, role, studentId: studentId ?? null, secretHash: sha256Hex(secret) })
      .returning(apiKeyColumns);
    const apiKey = asApiKey(inserted);
    return { apiKey, token: `rk_${apiKey.id}_${secret}` };
  } catch (error) {
    if (studentId !== undefined && isForeignKeyViolation(error)) throw new StudentNotFound(studentId);
    throw error;
  }
}

export async function listApiKeys(db: Database): Promise<ApiKey[]> {
  const keys = await ApiKeyModel.query(db).select(apiKeyColumns).orderBy("id");
  return keys.map(asApiKey);
}

/** Revokes a key (idempotent: revoking a revoked key keeps its first revocation time). */
export async function revokeApiKey(db: Database, keyId: number): Promise<ApiKey> {
  const revoked = await ApiKeyModel.query(db)
    .patch({ revokedAt: fn.coalesce(ref("revoked_at"), fn.now()) })
    .findById(keyId)
    .returning(apiKeyColumns);
  if (!revoked) throw new ApiKeyNotFound(keyId);
  return asApiKey(revoked);
}

/** How many keys can still be used: 0 means the operator has yet to create the first one. */
export async function countActiveApiKeys(db: Database): Promise<number> {
  return ApiKeyModel.query(db).whereNull("revoked_at").resultSize();
}

/** The key id a token claims and its secret's hash, unchecked; undefined when malformed. */
export type ClaimedApiKey = { keyId: number; secretHash: string };

export function parseApiKeyToken(token: string): ClaimedApiKey | undefined {
  const match = tokenPattern.exec(token);
  if (!match?.[1] || !match[2]) return undefined;
  const keyId = Number(match[1]);
  if (keyId > MAX_ID) return undefined;
  return { keyId, secretHash: sha256Hex(match[2]) };
}

/**
 * The principal of a parsed token (`parseApiKeyToken`), or undefined when it is unknown,
 * wrong or revoked.
 * One primary-key query, which also records when the key was last used. Comparing hashes
 * in SQL leaks nothing useful: timing could at most hint at a prefix of a SHA-256.
 */
export async function verifyApiKey(db: Database, claimed: ClaimedApiKey): Promise<Principal | undefined> {
  const key = await ApiKeyModel.query(db)
    .patch({ lastUsedAt: fn.now() })
    .findById(claimed.keyId)
    .where("secret_hash", claimed.secretHash)
    .whereNull("revoked_at")
    .returning(ApiKeyModel.columnsAs(["role", "studentId"]));
  return key
    ? { keyId: claimed.keyId, role: apiKeyRoleSchema.parse(key.role), studentId: key.studentId }
    : undefined;
}

/**
 * What a request does, in terms the roles are defined by. REST and tRPC each describe their
 * operations this way, so both answer the same request the same way.
 */
export type Access =
  /** Reads one student, or that student's course list. */
  | { kind: "read-student"; studentId: number }
  /** Reads one course. */
  | { kind: "read-course"; courseId: number }
  /** Any other read (lists, rosters); `studentId` when the request names a student. */
  | { kind: "read"; studentId?: number | undefined }
  /** Creates, changes or deletes students, courses or enrollments. */
  | { kind: "write"; studentId?: number | undefined }
  /** Manages API keys. */
  | { kind: "admin" };

const forbidden = () => new RequestProblem("forbidden", "This API key may not do this.");

/**
 * Throws unless `principal` may do `access`. A student key sees only its own student and
 * that student's courses; anything naming another student answers as if that student did
 * not exist (404, not 403), and a course it is not enrolled in as if the course did not, so
 * ids cannot be probed.
 */
export async function authorize(db: Database, principal: Principal, access: Access): Promise<void> {
  switch (principal.role) {
    case "admin":
      return;
    case "registrar":
      if (access.kind === "admin") throw forbidden();
      return;
    case "reader":
      if (access.kind === "admin" || access.kind === "write") throw forbidden();
      return;
    case "student":
      return authorizeStudent(db, principal.studentId, access);
  }
}

async function authorizeStudent(db: Database, ownId: number | null, access: Access): Promise<void> {
  if (ownId === null) throw forbidden();
  if (access.kind === "read-course") {
    const enrolled = await StudentCourseModel.query(db)
      .select("course_id")
      .findById([ownId, access.courseId]);
    if (!enrolled) throw new CourseNotFound(access.courseId);
    return;
  }
  const named = access.kind === "read-student" || access.kind === "read" || access.kind === "write";
  if (named && access.studentId !== undefined && access.studentId !== ownId) {
    throw new StudentNotFound(access.studentId);
  }
  if (access.kind === "read-student") return;
  throw forbidden();
}
