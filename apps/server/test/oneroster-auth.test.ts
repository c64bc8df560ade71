import { revokeApiKey } from "@registrar/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { expectImsxError, expectOneRosterSchema, VIEW } from "./oneroster-harness.ts";
import { makeKey, serveReplica } from "./security/harness.ts";

let server: TestServer;
type Key = { id: number; token: string; clientId: string; secret: string };
const keys = {} as Record<"admin" | "reader" | "student" | "registrar", Key>;

const asClient = (key: { id: number; token: string }): Key => ({
  ...key,
  clientId: `rk_${key.id}`,
  secret: key.token.slice(`rk_${key.id}_`.length),
});

beforeAll(async () => {
  server = await startTestServer({ auth: { mode: "required" } });
  const db = server.database.db;
  keys.admin = asClient(await makeKey(db, "admin"));
  keys.registrar = asClient(await makeKey(db, "registrar"));
  keys.reader = asClient(await makeKey(db, "reader"));
  const student = await fetch(`${server.baseUrl}/students`, {
    method: "POST",
    headers: { authorization: `Bearer ${keys.admin.token}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "Ada Lovelace", email: "ada@example.org" }),
  });
  expect(student.status).toBe(201);
  const { id } = (await student.json()) as { id: number };
  keys.student = asClient(await makeKey(db, "student", id));
});
afterAll(async () => {
  await server?.close();
});

type Answer = { status: number; headers: Headers; body: unknown; text: string };
async function send(path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${server.baseUrl}${path}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body, text };
}
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

function tokenRequest(form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  return send("/ims/oneroster/oauth/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
}
const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString("base64")}`,
});

async function tokenOf(key: Key): Promise<string> {
  const answer = await tokenRequest({
    grant_type: "client_credentials",
    client_id: key.clientId,
    client_secret: key.secret,
  });
  expect(answer.status, answer.text).toBe(200);
  return (answer.body as { access_token: string }).access_token;
}

describe("OneRoster view under AUTH=required", () => {
  it("refuses a request without credentials, or with a bad one, with unauthorisedrequest (401)", async () => {
    const none = await send(`${VIEW}/users`);
    expectImsxError(none, 401, "unauthorisedrequest");
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expectImsxError(await send(VIEW), 401, "unauthorisedrequest");
    expectImsxError(await send(`${VIEW}/users`, bearer("ort_nope")), 401, "unauthorisedrequest");
    expectImsxError(
      await send(`${VIEW}/users/x`, bearer(`${keys.reader.token}x`)),
      401,
      "unauthorisedrequest",
    );
  });

  it("serves reader, registrar and admin keys, and refuses a student key with forbidden (403)", async () => {
    for (const key of [keys.reader, keys.registrar, keys.admin]) {
      const answer = await send(`${VIEW}/users`, bearer(key.token));
      expect(answer.status, answer.text).toBe(200);
      expectOneRosterSchema("UserSetDType", answer.body);
    }
    expectImsxError(await send(`${VIEW}/users`, bearer(keys.student.token)), 403, "forbidden");
    expectImsxError(await send(`${VIEW}/nothing-here`, bearer(keys.student.token)), 403, "forbidden");
  });

  it("the export takes reader and above, and refuses a student key (403) and no key (401)", async () => {
    const reader = await fetch(`${server.baseUrl}/oneroster/export`, bearer(keys.reader.token));
    expect(reader.status).toBe(200);
    expect(reader.headers.get("content-type")).toBe("application/zip");
    await reader.arrayBuffer();
    const student = await send("/oneroster/export", bearer(keys.student.token));
    expect(student.status).toBe(403);
    expect(student.body).toMatchObject({ code: "forbidden" });
    const none = await send("/oneroster/export");
    expect(none.status).toBe(401);
    expect(none.body).toMatchObject({ code: "unauthorized" });
  });
});

describe("POST /ims/oneroster/oauth/token (client credentials)", () => {
  it("issues a Bearer token for form-encoded credentials, never cached, which the view takes", async () => {
    const answer = await tokenRequest({
      grant_type: "client_credentials",
      client_id: keys.reader.clientId,
      client_secret: keys.reader.secret,
    });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    expect(answer.body).toEqual({
      access_token: expect.stringMatching(/^ort_[A-Za-z0-9_-]{43}$/),
      token_type: "Bearer",
      expires_in: 3600,
      scope: "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly",
    });
    const token = (answer.body as { access_token: string }).access_token;
    const users = await send(`${VIEW}/users`, bearer(token));
    expect(users.status, users.text).toBe(200);
    expectOneRosterSchema("UserSetDType", users.body);
    // Only the view takes it: the rest of the API wants an API key.
    const students = await send("/students", bearer(token));
    expect(students.status).toBe(401);
  });

  it("takes HTTP Basic credentials as well, and the scope the view serves", async () => {
    const answer = await tokenRequest(
      {
        grant_type: "client_credentials",
        scope: "https://purl.imsglobal.org/spec/or/v1p2/scope/roster.readonly",
      },
      basic(keys.admin.clientId, keys.admin.secret),
    );
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get("cache-control")).toBe("no-store");
    const token = (answer.body as { access_token: string }).access_token;
    expect((await send(`${VIEW}/orgs`, bearer(token))).status).toBe(200);
  });

  it("refuses wrong credentials with invalid_client (401, WWW-Authenticate Basic)", async () => {
    for (const answer of [
      await tokenRequest({
        grant_type: "client_credentials",
        client_id: keys.reader.clientId,
        client_secret: keys.admin.secret,
      }),
      await tokenRequest({
        grant_type: "client_credentials",
        client_id: "rk_999999",
        client_secret: keys.reader.secret,
      }),
      await tokenRequest({ grant_type: "client_credentials", client_id: "someone", client_secret: "x" }),
      await tokenRequest({ grant_type: "client_credentials" }),
      await tokenRequest({ grant_type: "client_credentials" }, basic(keys.reader.clientId, "wrong")),
    ]) {
      expect(answer.status, answer.text).toBe(401);
      expect(answer.body).toMatchObject({ error: "invalid_client", error_description: expect.any(String) });
      expect(answer.headers.get("www-authenticate")).toMatch(/^Basic/);
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(answer.text).not.toContain(keys.admin.secret);
    }
  });

  it("refuses another grant, a missing grant or a malformed request with 400", async () => {
    const credentials = { client_id: keys.reader.clientId, client_secret: keys.reader.secret };
    const password = await tokenRequest({ grant_type: "password", ...credentials });
    expect(password.status).toBe(400);
    expect(password.body).toMatchObject({ error: "unsupported_grant_type" });
    const missing = await tokenRequest(credentials);
    expect(missing.status).toBe(400);
    expect(missing.body).toMatchObject({ error: "invalid_request" });
    const json = await send("/ims/oneroster/oauth/token", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ grant_type: "client_credentials", ...credentials }),
    });
    expect(json.status).toBe(400);
    expect(json.body).toMatchObject({ error: "invalid_request" });
    const both = await tokenRequest(
      { grant_type: "client_credentials", ...credentials },
      basic(keys.reader.clientId, keys.reader.secret),
    );
    expect(both.status).toBe(400);
    const core = await tokenRequest({
      grant_type: "client_credentials",
      scope: "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly",
      ...credentials,
    });
    expect(core.status, core.text).toBe(200);
    expect(core.body).toMatchObject({
      scope: "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-core.readonly",
    });
    const demographics = await tokenRequest({
      grant_type: "client_credentials",
      scope: "https://purl.imsglobal.org/spec/or/v1p2/scope/roster-demographics.readonly",
      ...credentials,
    });
    expect(demographics.status).toBe(400);
    expect(demographics.body).toMatchObject({ error: "invalid_scope" });
    const scope = await tokenRequest({
      grant_type: "client_credentials",
      scope: "everything",
      ...credentials,
    });
    expect(scope.status).toBe(400);
    expect(scope.body).toMatchObject({ error: "invalid_scope" });
  });

  it("a student key's token is refused by the view (403)", async () => {
    const token = await tokenOf(keys.student);
    expectImsxError(await send(`${VIEW}/users`, bearer(token)), 403, "forbidden");
  });

  it("a token dies with its key: revoked, it is refused at once (401), on every replica alike", async () => {
    const key = asClient(await makeKey(server.database.db, "reader"));
    const token = await tokenOf(key);
    const replica = await serveReplica({ db: server.database.db, auth: { mode: "required" } });
    try {
      for (const base of [server.baseUrl, replica.baseUrl]) {
        const answer = await fetch(`${base}${VIEW}/classes`, bearer(token));
        expect(answer.status).toBe(200);
      }
      await revokeApiKey(server.database.db, key.id);
      for (const base of [server.baseUrl, replica.baseUrl]) {
        const answer = await fetch(`${base}${VIEW}/classes`, bearer(token));
        expect(answer.status).toBe(401);
      }
    } finally {
      await replica.close();
    }
    expectImsxError(await send(`${VIEW}/classes`, bearer(token)), 401, "unauthorisedrequest");
    const again = await tokenRequest({
      grant_type: "client_credentials",
      client_id: key.clientId,
      client_secret: key.secret,
    });
    expect(again.status).toBe(401);
    // Only hashes are stored.
    const stored = await server.database.db("oauth_access_tokens").select("token_hash");
    expect(stored.length).toBeGreaterThan(0);
    expect(stored.map((row: { token_hash: string }) => row.token_hash)).not.toContain(token);
  });

  it("an expired token is refused", async () => {
    const token = await tokenOf(keys.reader);
    await server.database.db.raw(
      "update oauth_access_tokens set created_at = now() - interval '2 hours', expires_at = now() - interval '1 hour'",
    );
    expectImsxError(await send(`${VIEW}/users`, bearer(token)), 401, "unauthorisedrequest");
  });
});
