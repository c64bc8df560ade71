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
import {
  askOwner,
  createDatabase,
  type Database,
  DataDirInUseError,
  describeDatabase,
  migrateToLatest,
  OwnerUnreachableError,
} from "@registrar/db";
import { loadConfig } from "./config.ts";
import { KEY_CACHE_TTL_MS } from "./security/index.ts";

/**
 * `pnpm keys`: creates, lists and revokes API keys directly in the database the server
 * uses (same environment: DATABASE_URL or PGLITE_DIR). This is how an operator makes the
 * first admin key. On an embedded directory that a running server owns, the server does it
 * (asked over its command socket), so the key works at once and survives restarts. Diagnostics go to stderr; stdout carries only the result (`--json`
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
  // Ids as in a URL path: the API's own rule (the contract's ID_PATTERN).
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

type Created = { apiKey: ApiKey; token: string };

function printCreated({ apiKey, token }: Created): void {
  if (values.json) {
    console.log(JSON.stringify({ ...apiKey, token }));
  } else {
    console.error(`created key ${apiKey.id} (${apiKey.role}). It is shown only now; store it safely:`);
    console.log(token);
    console.error("send it as: Authorization: Bearer <key>");
  }
}
function printList(keys: ApiKey[]): void {
  if (values.json) console.log(JSON.stringify(keys));
  else if (keys.length === 0)
    console.error("no API keys yet; create one with: pnpm keys create --role admin");
  else for (const key of keys) console.log(describeKey(key));
}
function printRevoked(key: ApiKey): void {
  if (values.json) console.log(JSON.stringify(key));
  else
    console.log(
      `revoked key ${key.id} (${key.role}) at ${key.revokedAt}; servers stop accepting it within ${KEY_CACHE_TTL_MS / 1000} s`,
    );
}

/** The same commands, run by the server that owns the embedded data directory (owner-commands.ts). */
async function throughOwner(inUse: DataDirInUseError): Promise<void> {
  console.error(
    `database: ${describeDatabase(config.database)}, through ${inUse.holder.owner} (pid ${inUse.holder.pid})`,
  );
  try {
    if (input) {
      printCreated((await askOwner(inUse.holder, { command: "keys.create", input })).result as Created);
    } else if (keyId === undefined) {
      printList((await askOwner(inUse.holder, { command: "keys.list" })).result as ApiKey[]);
    } else {
      printRevoked((await askOwner(inUse.holder, { command: "keys.revoke", id: keyId })).result as ApiKey);
    }
  } catch (error) {
    process.exitCode = 1;
    const message = error instanceof Error ? error.message : String(error);
    // the server's refusals (no such student, no such key) read as they do here
    console.error(
      error instanceof OwnerUnreachableError
        ? `keys ${command} failed: ${inUse.message} (${message})`
        : message,
    );
  }
}

async function locally(db: Database): Promise<void> {
  console.error(`database: ${describeDatabase(config.database)}`);
  try {
    await migrateToLatest(db);
    if (input) printCreated(await createApiKey(db, input));
    else if (keyId === undefined) printList(await listApiKeys(db));
    else printRevoked(await revokeApiKey(db, keyId));
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
}

const config = loadConfig(process.env);
let db: Database | undefined;
try {
  db = createDatabase({ ...config.database, owner: `keys ${command}` });
} catch (error) {
  // A running server owns the PGlite directory: it runs the command instead.
  if (!(error instanceof DataDirInUseError)) throw error;
  await throughOwner(error);
}
if (db) await locally(db);
