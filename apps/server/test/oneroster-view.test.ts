import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../src/testing.ts";
import { type HttpClient, httpClient } from "./http-client.ts";
import {
  expectImsxError,
  expectOneRosterSchema,
  makeRoster,
  oneRosterSchemaErrors,
  type Roster,
  VIEW,
} from "./oneroster-harness.ts";

let server: TestServer;
let api: HttpClient;
let roster: Roster;
const school = { name: "Lovelace High", sourcedId: "org-lovelace" };

beforeAll(async () => {
  server = await startTestServer({ school });
  api = httpClient(server.baseUrl);
  roster = await makeRoster(api);
});
afterAll(async () => {
  await server?.close();
});

type Json = Record<string, unknown>;
type Ref = { href: string; sourcedId: string; type: string };
const get = (path: string) => api.get<Json>(`${VIEW}${path}`);
const list = async (path: string, wrapper: string): Promise<Json[]> => {
  const answer = await get(path);
  expect(answer.status, answer.text).toBe(200);
  return answer.body[wrapper] as Json[];
};

describe("the OneRoster 1.2 rostering view", () => {
  it("is checked against schemas that do refuse what they should (the check is not vacuous)", async () => {
    const answer = await get("/users/usr-ada");
    const user = answer.body.user as Json;
    expect(oneRosterSchemaErrors("SingleUserDType", answer.body)).toEqual([]);
    expect(oneRosterSchemaErrors("SingleUserDType", { user: { ...user, role: "student" } })).not.toEqual([]);
    expect(oneRosterSchemaErrors("SingleUserDType", { user: { ...user, roles: [] } })).not.toEqual([]);
    expect(
      oneRosterSchemaErrors("SingleUserDType", { user: { ...user, dateLastModified: "yesterday" } }),
    ).not.toEqual([]);
    expect(oneRosterSchemaErrors("UserSetDType", { user })).not.toEqual([]);
  });

  const collections = [
    [
      "/academicSessions",
      "AcademicSessionSetDType",
      "academicSessions",
      "SingleAcademicSessionDType",
      "academicSession",
    ],
    [
      "/terms",
      "AcademicSessionSetDType",
      "academicSessions",
      "SingleAcademicSessionDType",
      "academicSession",
    ],
    ["/classes", "ClassSetDType", "classes", "SingleClassDType", "class"],
    ["/courses", "CourseSetDType", "courses", "SingleCourseDType", "course"],
    ["/enrollments", "EnrollmentSetDType", "enrollments", "SingleEnrollmentDType", "enrollment"],
    ["/orgs", "OrgSetDType", "orgs", "SingleOrgDType", "org"],
    ["/schools", "OrgSetDType", "orgs", "SingleOrgDType", "org"],
    ["/users", "UserSetDType", "users", "SingleUserDType", "user"],
    ["/students", "UserSetDType", "users", "SingleUserDType", "user"],
  ] as const;

  it.each(collections)(
    "%s and its single records validate against 1EdTech's schemas",
    async (path, setSchema, many, oneSchema, one) => {
      const answer = await get(path);
      expect(answer.status, answer.text).toBe(200);
      expectOneRosterSchema(setSchema, answer.body);
      const records = answer.body[many] as Json[];
      expect(records.length).toBeGreaterThan(0);
      expect(Number(answer.headers.get("x-total-count"))).toBe(records.length);
      for (const record of records) {
        const single = await get(`${path}/${encodeURIComponent(String(record.sourcedId))}`);
        expect(single.status, single.text).toBe(200);
        expectOneRosterSchema(oneSchema, single.body);
        expect(single.body[one]).toEqual(record);
      }
    },
  );

  it("gives records without a sourcedId a stable one derived from their id, and keeps the stored ones", async () => {
    const users = await list("/users?sort=sourcedId", "users");
    expect(users.map((user) => user.sourcedId).sort()).toEqual(
      [
        "usr-ada",
        `registrar-student-${roster.students.grace}`,
        `registrar-student-${roster.students.alan}`,
      ].sort(),
    );
    const grace = users.find((user) => user.sourcedId === `registrar-student-${roster.students.grace}`);
    expect(grace).toMatchObject({
      status: "active",
      enabledUser: "true",
      givenName: "Grace",
      familyName: "Brewster Hopper",
      email: "grace@example.org",
      username: "grace@example.org",
      roles: [{ roleType: "primary", role: "student", org: { sourcedId: "org-lovelace", type: "org" } }],
    });
    expect(await list("/users?sort=sourcedId", "users")).toEqual(users);

    const classes = await list("/classes", "classes");
    const algebra = classes.find((item) => item.title === "Algebra");
    expect(algebra).toMatchObject({
      sourcedId: `registrar-class-${roster.courses.algebra}`,
      classCode: "ALG-1",
      classType: "scheduled",
      grades: ["beginner"],
      course: { sourcedId: `registrar-course-${roster.courses.algebra}`, type: "course" },
      school: { sourcedId: "org-lovelace", type: "org" },
      terms: [{ sourcedId: `registrar-term-${roster.terms.fall}`, type: "academicSession" }],
    });
    const biology = classes.find((item) => item.sourcedId === "cls-bio");
    expect(biology).toMatchObject({ terms: [{ sourcedId: "registrar-term-none" }] });
    expect(biology).not.toHaveProperty("classCode");
    // Every reference resolves to a record of the view.
    const terms = (biology?.terms ?? []) as Ref[];
    const href = new URL(terms[0]?.href ?? "");
    const referenced = await api.get<Json>(href.pathname);
    expect(referenced.status, referenced.text).toBe(200);
    expectOneRosterSchema("SingleAcademicSessionDType", referenced.body);

    const course = await get(`/courses/registrar-course-${roster.courses.chemistry}`);
    expect(course.body.course).toMatchObject({
      courseCode: `registrar-course-${roster.courses.chemistry}`,
      grades: [],
    });

    const sessions = await list("/academicSessions", "academicSessions");
    expect(
      sessions.find((session) => session.sourcedId === `registrar-term-${roster.terms.fall}`),
    ).toMatchObject({
      title: "Fall 2026",
      type: "term",
      startDate: "2026-09-01",
      endDate: "2026-12-20",
      schoolYear: "2026",
      parent: { sourcedId: "sy-2027", type: "academicSession" },
    });
    expect(sessions.find((session) => session.sourcedId === "sy-2027")).toMatchObject({ schoolYear: "2027" });

    const [org] = await list("/orgs", "orgs");
    expect(org).toEqual({
      sourcedId: "org-lovelace",
      status: "active",
      dateLastModified: "1970-01-01T00:00:00.000Z",
      name: "Lovelace High",
      type: "school",
      identifier: "org-lovelace",
    });
  });

  it("serves only terms at /terms, and enrollments with a dropped one as tobedeleted", async () => {
    const terms = await list("/terms", "academicSessions");
    expect(terms.map((term) => term.type)).toEqual(["term"]);
    const enrollments = await list("/enrollments?sort=sourcedId", "enrollments");
    expect(enrollments).toHaveLength(4);
    const dropped = enrollments.find(
      (item) => item.sourcedId === `registrar-enrollment-${roster.students.alan}-${roster.courses.biology}`,
    );
    expect(dropped).toMatchObject({
      status: "tobedeleted",
      role: "student",
      primary: "false",
      user: { sourcedId: `registrar-student-${roster.students.alan}`, type: "user" },
      class: { sourcedId: "cls-bio", type: "class" },
    });
  });

  it("lists a class's students and a student's classes (active enrollments)", async () => {
    const students = await list("/classes/cls-bio/students", "users");
    expect(students.map((user) => user.sourcedId)).toEqual(["usr-ada"]);
    const answer = await get("/classes/cls-bio/students");
    expectOneRosterSchema("UserSetDType", answer.body);
    const classes = await list("/students/usr-ada/classes?sort=title", "classes");
    expect(classes.map((item) => item.title)).toEqual(["Algebra", "Biology, with labs"]);
    expectImsxError(await get("/classes/no-such-class/students"), 404, "unknownobject");
    expectImsxError(await get("/students/no-such-student/classes"), 404, "unknownobject");
  });

  it("answers an unknown sourcedId or path with unknownobject (404)", async () => {
    for (const path of [
      "/users/nobody",
      "/classes/nothing",
      "/schools/registrar-class-1",
      "/terms/sy-2027",
      "/teachers",
    ]) {
      expectImsxError(await get(path), 404, "unknownobject");
    }
  });

  it("filters in the database, with = != > >= < <= ~ and up to two predicates", async () => {
    const ids = async (filter: string) =>
      (await list(`/users?sort=sourcedId&filter=${encodeURIComponent(filter)}`, "users")).map(
        (user) => user.givenName,
      );
    expect(await ids("givenName='Ada'")).toEqual(["Ada"]);
    expect(await ids("givenName!='Ada'")).toHaveLength(2);
    expect((await ids("familyName~'HOP'")).sort()).toEqual(["Grace"]);
    expect((await ids("givenName>='Alan'")).sort()).toEqual(["Alan", "Grace"]);
    expect((await ids("givenName<'Alan'")).sort()).toEqual(["Ada"]);
    expect((await ids("givenName='Ada' OR givenName='Alan'")).sort()).toEqual(["Ada", "Alan"]);
    expect(await ids("givenName>'A' AND familyName='Turing'")).toEqual(["Alan"]);
    expect(await ids("status='active' AND roles.role='student'")).toHaveLength(3);
    // Values are bound, never spliced into SQL: a quote is just a character.
    expect(await ids("givenName='x'' OR ''1''=''1'")).toEqual([]);
    expect(await ids("email~'%'")).toEqual([]);
    const classes = await list(
      `/classes?filter=${encodeURIComponent("terms.sourcedId='registrar-term-none'")}`,
      "classes",
    );
    expect(classes).toHaveLength(2);
    const newer = await list(`/users?filter=${encodeURIComponent("dateLastModified>'2000-01-01'")}`, "users");
    expect(newer).toHaveLength(3);
  });

  it("refuses an unknown or malformed filter with invalid_filter_field (400)", async () => {
    for (const filter of [
      "password='x'",
      "givenName",
      "givenName=Ada",
      "givenName='a' AND familyName='b' AND email='c'",
      "givenName='a' XOR familyName='b'",
      "1=1; drop table students",
    ]) {
      expectImsxError(await get(`/users?filter=${encodeURIComponent(filter)}`), 400, "invalid_filter_field");
    }
  });

  it("sorts, selects fields and refuses unknown ones with invalid_selection_field (400)", async () => {
    const descending = await list("/users?sort=familyName&orderBy=desc", "users");
    expect(descending.map((user) => user.familyName)).toEqual(["Turing", "Lovelace", "Brewster Hopper"]);
    const ascending = await list("/users?sort=familyName&orderBy=asc", "users");
    expect(ascending.map((user) => user.familyName)).toEqual(["Brewster Hopper", "Lovelace", "Turing"]);
    const narrow = await list("/users?fields=sourcedId,givenName&sort=givenName", "users");
    expect(narrow).toEqual([
      { sourcedId: "usr-ada", givenName: "Ada" },
      { sourcedId: `registrar-student-${roster.students.alan}`, givenName: "Alan" },
      { sourcedId: `registrar-student-${roster.students.grace}`, givenName: "Grace" },
    ]);
    const one = await get("/users/usr-ada?fields=email");
    expect(one.body).toEqual({ user: { email: "ada@example.org" } });
    expectImsxError(await get("/users?fields=sourcedId,ssn"), 400, "invalid_selection_field");
    expectImsxError(await get("/users?sort=ssn"), 400, "invalid_selection_field");
    expectImsxError(await get("/users?orderBy=sideways"), 400, "invaliddata");
    expectImsxError(await get("/users?limit=0"), 400, "invaliddata");
    expectImsxError(await get("/users?offset=-1"), 400, "invaliddata");
  });

  it("pages with limit and offset, X-Total-Count and Link (first, prev, next, last)", async () => {
    const first = await get("/users?sort=givenName&limit=1");
    expect(first.headers.get("x-total-count")).toBe("3");
    expect((first.body.users as Json[]).map((user) => user.givenName)).toEqual(["Ada"]);
    const links = (header: string | null) =>
      Object.fromEntries(
        (header ?? "").split(", ").map((link) => {
          const [, url = "", rel = ""] = /^<([^>]+)>; rel="(\w+)"$/.exec(link) ?? [];
          const target = new URL(url);
          return [rel, `${target.searchParams.get("offset")}/${target.searchParams.get("limit")}`];
        }),
      );
    expect(links(first.headers.get("link"))).toEqual({ first: "0/1", next: "1/1", last: "2/1" });
    const middle = await get("/users?sort=givenName&limit=1&offset=1");
    expect((middle.body.users as Json[]).map((user) => user.givenName)).toEqual(["Alan"]);
    expect(links(middle.headers.get("link"))).toEqual({
      first: "0/1",
      prev: "0/1",
      next: "2/1",
      last: "2/1",
    });
    const last = await get("/users?sort=givenName&limit=2&offset=2");
    expect((last.body.users as Json[]).map((user) => user.givenName)).toEqual(["Grace"]);
    expect(links(last.headers.get("link"))).toEqual({ first: "0/2", prev: "0/2", last: "2/2" });
    expect(
      new URL((first.headers.get("link") ?? "").slice(1).split(">")[0] ?? "").searchParams.get("sort"),
    ).toBe("givenName");
    const beyond = await get("/users?offset=10");
    expect(beyond.body).toEqual({ users: [] });
    expect(beyond.headers.get("x-total-count")).toBe("3");
    const filtered = await get(`/users?filter=${encodeURIComponent("givenName~'a'")}&limit=1`);
    expect(filtered.headers.get("x-total-count")).toBe("3");
  });

  it("is read-only", async () => {
    const answer = await api.post<Json>(`${VIEW}/users`, {});
    expectImsxError(answer, 405, "invaliddata");
    expect(answer.headers.get("allow")).toBe("GET, HEAD");
  });
});
