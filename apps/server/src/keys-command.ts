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
  type CommandIo,
  createDatabase,
  type Database,
  DataDirInUseError,
  describeDatabase,
  migrateToLatest,
  OwnerUnreachableError,
} from "@registrar/db";
import { loadConfig } from "./config.ts";
import { KEY_CACHE_TTL_MS } from "./security/index.ts";

const usage = `usage:
  pnpm keys create --role admin|registrar|reader|student [--student-id N] [--name TEXT] [--json]
  pnpm keys list [--json]
  pnpm keys revoke <id> [--json]`;

/** A refusal of the arguments, before any database is opened: its message and exit code. */
class KeysUsageError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}
function refuse(message: string, exitCode = 2): never {
  throw new KeysUsageError(message, exitCode);
}

type Request =
  | { command: "help" }
  | { command: "create"; input: CreateApiKeyInput; json: boolean }
  | { command: "list"; json: boolean }
  | { command: "revoke"; id: number; json: boolean };

/** Arguments are checked before the database is opened, so a typo fails at once. */
function parseRequest(args: string[]): Request {
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args,
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
      return refuse(`${(error as Error).message}\n${usage}`);
    }
  })();
  const [command, ...rest] = positionals;
  if (values.help) return { command: "help" };
  if (command === "list") return { command, json: values.json };
  if (command === "revoke") {
    const id = idParamSchema.safeParse(rest[0] ?? "");
    if (!id.success) refuse(`revoke needs a key id\n${usage}`);
    return { command, id: id.data, json: values.json };
  }
  if (command !== "create") refuse(usage);
  if (!values.role) refuse(`--role is required (${apiKeyRoles.join(", ")})\n${usage}`);
  // Ids as in a URL path: the API's own rule (the contract's ID_PATTERN).
  const studentId =
    values["student-id"] === undefined ? undefined : idParamSchema.safeParse(values["student-id"]);
  if (studentId !== undefined && !studentId.success) refuse("--student-id must be a positive integer", 1);
  const parsed = createApiKeyInput.safeParse({
    role: values.role,
    ...(studentId !== undefined ? { studentId: studentId.data } : {}),
    ...(values.name !== undefined ? { name: values.name } : {}),
  });
  if (!parsed.success) {
    refuse(
      parsed.error.issues.map((issue) => `${issue.path.join(".") || "input"}: ${issue.message}`).join("\n"),
      1,
    );
  }
  return { command, input: parsed.data, json: values.json };
}

function describeKey(key: ApiKey): string {
  const bound = key.studentId === null ? "" : ` student ${key.studentId}`;
  const state = key.revokedAt ? `revoked ${key.revokedAt}` : "active";
  const used = key.lastUsedAt ? `last used ${key.lastUsedAt}` : "never used";
  return `${String(key.id).padStart(4)}  ${key.role.padEnd(9)}${bound}  ${key.name ?? "-"}  ${state}, created ${key.createdAt}, ${used}`;
}

type Created = { apiKey: ApiKey; token: string };
type Action = Exclude<Request, { command: "help" }>;

/** What the command prints of its result: the JSON of it with --json, else lines for a person. */
function printResult(action: Action, result: unknown, { stdout, stderr }: CommandIo): void {
  const out = (line: string) => stdout.write(`${line}\n`);
  const err = (line: string) => stderr.write(`${line}\n`);
  if (action.command === "create") {
    const { apiKey, token } = result as Created;
    if (action.json) return void out(JSON.stringify({ ...apiKey, token }));
    err(`created key ${apiKey.id} (${apiKey.role}). It is shown only now; store it safely:`);
    out(token);
    return void err("send it as: Authorization: Bearer <key>");
  }
  if (action.json) return void out(JSON.stringify(result));
  if (action.command === "revoke") {
    const key = result as ApiKey;
    return void out(
      `revoked key ${key.id} (${key.role}) at ${key.revokedAt}; servers stop accepting it within ${KEY_CACHE_TTL_MS / 1000} s`,
    );
  }
  const keys = result as ApiKey[];
  if (keys.length === 0) err("no API keys yet; create one with: pnpm keys create --role admin");
  for (const key of keys) out(describeKey(key));
}

/** The same commands, run by the server that owns the embedded data directory (owner-commands.ts). */
async function throughOwner(action: Action, inUse: DataDirInUseError): Promise<unknown> {
  const holder = inUse.holder;
  const asked =
    action.command === "create"
      ? { command: "keys.create" as const, input: action.input }
      : action.command === "list"
        ? { command: "keys.list" as const }
        : { command: "keys.revoke" as const, id: action.id };
  return (await askOwner(holder, asked)).result;
}

async function locally(action: Action, db: Database): Promise<unknown> {
  try {
    await migrateToLatest(db);
    if (action.command === "create") return await createApiKey(db, action.input);
    if (action.command === "list") return await listApiKeys(db);
    return await revokeApiKey(db, action.id);
  } finally {
    await db.destroy();
  }
}

/**
 * `pnpm keys`: creates, lists and revokes API keys directly in the database the server
 * uses (same environment: DATABASE_URL or PGLITE_DIR). This is how an operator makes the
 * first admin key. On an embedded directory that a running server owns, the server does it
 * (asked over its command socket), so the key works at once and survives restarts.
 * Diagnostics go to stderr; stdout carries only the result (`--json` for scripts), so the
 * key can be piped or captured.
 *
 * A function of its arguments, environment and streams (packages/db's `CommandIo`, as
 * `pnpm db:*` takes), answering the exit code: 0 done, 1 refused or failed, 2 a usage
 * error. Tests run it in their own process; src/keys-cli.ts is the command around it.
 */
export async function runKeysCommand(args: string[], io: CommandIo): Promise<number> {
  const err = (line: string) => io.stderr.write(`${line}\n`);
  let request: Request;
  try {
    request = parseRequest(args);
  } catch (error) {
    if (!(error instanceof KeysUsageError)) throw error;
    err(error.message);
    return error.exitCode;
  }
  if (request.command === "help") {
    io.stdout.write(`${usage}\n`);
    return 0;
  }
  const config = loadConfig(io.env);
  let opened: { db: Database } | { inUse: DataDirInUseError };
  try {
    opened = { db: createDatabase({ ...config.database, owner: `keys ${request.command}` }) };
  } catch (error) {
    // A running server owns the PGlite directory: it runs the command instead.
    if (!(error instanceof DataDirInUseError)) throw error;
    opened = { inUse: error };
  }
  const inUse = "inUse" in opened ? opened.inUse : undefined;
  err(
    `database: ${describeDatabase(config.database)}${inUse ? `, through ${inUse.holder.owner} (pid ${inUse.holder.pid})` : ""}`,
  );
  try {
    const result =
      "db" in opened ? await locally(request, opened.db) : await throughOwner(request, opened.inUse);
    printResult(request, result, io);
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Input problems cannot reach here: parseRequest has parsed the input already. The
    // server's refusals (no such student, no such key) read as they do here.
    if (error instanceof DomainError || (inUse && !(error instanceof OwnerUnreachableError))) err(message);
    else if (inUse) err(`keys ${request.command} failed: ${inUse.message} (${message})`);
    else err(`keys ${request.command} failed: ${message}`);
    return 1;
  }
}
