import { parseArgs } from "node:util";
import {
  type ApiKey,
  apiKeyRoles,
  type CreateApiKeyInput,
  createApiKey,
  createApiKeyInput,
  DomainError,
  idParamSchema,
  listApiKeys,
  revokeApiKey,
} from "@registrar/core";
import { createDatabase, DataDirInUseError, describeDatabase, migrateToLatest } from "@registrar/db";
import { loadConfig } from "./config.ts";
import { KEY_CACHE_TTL_MS } from "./security/index.ts";

/**
 * `pnpm keys`: creates, lists and revokes API keys directly in the database the server
 * uses (same environment: DATABASE_URL or PGLITE_DIR). This is how an operator makes the
 * first admin key. Diagnostics go to stderr; stdout carries only the result (`--json`
 * for scripts), so the key can be piped or captured.
 */

const usage = `usage:
  pnpm keys create --role admin|registrar|reader|student [--student-id N] [--name TEXT] [--json]
  pnpm keys list [--json]
  pnpm keys revoke <id> [--json]`;

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      allowPositionals: true,
      options: {
        role: { type: "string" },
        "student-id": { type: "string" },
        name: { type: "string" },
        json: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    return fail(`${(error as Error).message}\n${usage}`);
  }
})();

const [command, ...rest] = positionals;
if (values.help) {
  console.log(usage);
  process.exit(0);
}
if (command !== "create" && command !== "list" && command !== "revoke") fail(usage);

function describeKey(key: ApiKey): string {
  const bound = key.studentId === null ? "" : ` student ${key.studentId}`;
  const state = key.revokedAt ? `revoked ${key.revokedAt}` : "active";
  const used = key.lastUsedAt ? `last used ${key.lastUsedAt}` : "never used";
  return `${String(key.id).padStart(4)}  ${key.role.padEnd(9)}${bound}  ${key.name ?? "-"}  ${state}, created ${key.createdAt}, ${used}`;
}

/** Arguments are checked before the database is opened, so a typo fails at once. */
function createInput(): CreateApiKeyInput {
  if (!values.role) fail(`--role is required (${apiKeyRoles.join(", ")})\n${usage}`);
  // Ids as in a URL path: the API's own rule (plain decimal, 1..2147483647).
  const studentId =
    values["student-id"] === undefined ? undefined : idParamSchema.safeParse(values["student-id"]);
  if (studentId !== undefined && !studentId.success) fail("--student-id must be a positive integer", 1);
  const parsed = createApiKeyInput.safeParse({
    role: values.role,
    ...(studentId !== undefined ? { studentId: studentId.data } : {}),
    ...(values.name !== undefined ? { name: values.name } : {}),
  });
  if (!parsed.success) {
    fail(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`).join("\n"),
      1,
    );
  }
  return parsed.data;
}
function revokeId(): number {
  const id = idParamSchema.safeParse(rest[0] ?? "");
  if (!id.success) fail(`revoke needs a key id\n${usage}`);
  return id.data;
}
const input = command === "create" ? createInput() : undefined;
const keyId = command === "revoke" ? revokeId() : undefined;

const config = loadConfig(process.env);
const db = (() => {
  try {
    return createDatabase({ ...config.database, owner: `keys ${command}` });
  } catch (error) {
    if (!(error instanceof DataDirInUseError)) throw error;
    return fail(`keys ${command} failed: ${error.message}`, 1);
  }
})();
console.error(`database: ${describeDatabase(config.database)}`);
try {
  await migrateToLatest(db);
  if (input) {
    const { apiKey, token } = await createApiKey(db, input);
    if (values.json) {
      console.log(JSON.stringify({ ...apiKey, token }));
    } else {
      console.error(`created key ${apiKey.id} (${apiKey.role}). It is shown only now; store it safely:`);
      console.log(token);
      console.error("send it as: Authorization: Bearer <key>");
    }
  } else if (keyId === undefined) {
    const keys = await listApiKeys(db);
    if (values.json) console.log(JSON.stringify(keys));
    else if (keys.length === 0)
      console.error("no API keys yet; create one with: pnpm keys create --role admin");
    else for (const key of keys) console.log(describeKey(key));
  } else {
    const key = await revokeApiKey(db, keyId);
    if (values.json) console.log(JSON.stringify(key));
    else
      console.log(
        `revoked key ${key.id} (${key.role}) at ${key.revokedAt}; servers stop accepting it within ${KEY_CACHE_TTL_MS / 1000} s`,
      );
  }
} catch (error) {
  process.exitCode = 1;
  // Input problems cannot reach here: createInput() has parsed the input already.
  if (error instanceof DomainError) {
    console.error(error.message);
  } else {
    console.error(`keys ${command} failed: ${error instanceof Error ? error.message : String(error)}`);
  }
} finally {
  await db.destroy();
}
