import pg from "pg";
import {
  type DatasetShape,
  databaseUrlFor,
  dropBenchDatabase,
  enrollLikeSeed,
  insertStudentsAndCourses,
} from "./dataset.ts";
import { enrollSetBased } from "./seed-enrollments.ts";

/**
 * The seed writes its enrollments' history, events, counts and versions with statements of
 * its own (seed-enrollments.ts) instead of the triggers: this seeds a small school twice,
 * from the freshly migrated bench database as a template, once through the triggers (one
 * statement, then the relay) and once the seed's way (on two connections), and throws
 * unless every table the triggers write reads the same in both. Timestamps cannot be
 * equal across two databases: each is compared with what the triggers would have put
 * there (its enrollment's `enrolled_at`, its course's `created_at`). About a second.
 */
export async function checkSeedMatchesTriggers(adminUrl: string, templateName: string): Promise<void> {
  const shape: DatasetShape = {
    scale: "standard",
    students: 120,
    courses: 500,
    coursesPerStudent: 10,
    extraCourses: 5,
  };
  const names = { triggers: `${templateName}_triggers`, seed: `${templateName}_seed` };
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const name of Object.values(names)) {
      await admin.query(`create database ${name} template ${templateName}`);
    }
  } finally {
    await admin.end();
  }
  try {
    const fingerprints: Record<string, Record<string, unknown[]>> = {};
    for (const [way, name] of Object.entries(names)) {
      const url = databaseUrlFor(adminUrl, name);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await insertStudentsAndCourses(client, shape, shape.students + 3);
        await client.query("select assign_event_ids(2147483647)");
        if (way === "triggers") {
          await enrollLikeSeed(client, shape, 1, shape.students);
          await client.query("select assign_event_ids(2147483647)");
        } else {
          await enrollSetBased(url, shape, 1, shape.students, 2);
        }
        fingerprints[way] = await fingerprint(client);
      } finally {
        await client.end();
      }
    }
    const { triggers, seed } = fingerprints;
    for (const [table, rows] of Object.entries(triggers ?? {})) {
      const expected = JSON.stringify(rows);
      const actual = JSON.stringify(seed?.[table]);
      if (expected !== actual) {
        const at = [...expected].findIndex((char, i) => actual[i] !== char);
        throw new Error(
          `the seed's ${table} differ from what the triggers write, from ${expected.slice(at - 80, at + 80)} (triggers) vs ${actual.slice(at - 80, at + 80)} (seed)`,
        );
      }
    }
  } finally {
    for (const name of Object.values(names)) await dropBenchDatabase(adminUrl, name);
  }
}

/** Every row the enrollment triggers write, timestamps replaced by whether they are what the triggers put there. */
async function fingerprint(client: pg.Client): Promise<Record<string, unknown[]>> {
  const queries = {
    enrollments: `select student_id, course_id, status, waitlisted_at, begin_date, end_date, dropped_at
                  from student_courses order by student_id, course_id`,
    courses: `select id, name, level, capacity, enrolled_count, waitlisted_count, waitlist_capacity, code, term_id,
                     sourced_id, updated_at = created_at as unchanged
              from courses order by id`,
    versions: "select student_id, version from student_enrollment_versions order by student_id",
    history: `select h.id, h.student_id, h.course_id, h.action, h.from_status, h.to_status, h.reason,
                     h.actor_key_id, h.actor_role, h.source, h.at = e.enrolled_at as at_enrollment
              from enrollment_history h left join student_courses e using (student_id, course_id)
              order by h.id`,
    events: `select v.recorded_id, v.id, v.type, v.data - 'enrolled_at' - 'created_at' - 'updated_at' as data,
                    case when e.student_id is not null then
                      v.occurred_at = e.enrolled_at and v.data ->> 'enrolled_at' = event_timestamp(e.enrolled_at)
                      and v.data ->> 'created_at' = event_timestamp(c.created_at)
                      and v.data ->> 'updated_at' = event_timestamp(c.updated_at)
                    end as at_enrollment
             from events v
             left join student_courses e on v.type like 'enrollment.%'
               and e.student_id = (v.data ->> 'student_id')::int and e.course_id = (v.data ->> 'id')::int
             left join courses c on c.id = e.course_id
             order by v.recorded_id`,
    sequences: `select (select last_id from event_feed_head) as feed_head,
                       pg_sequence_last_value('enrollment_history_id_seq') as history,
                       pg_sequence_last_value(pg_get_serial_sequence('events', 'recorded_id')::regclass) as events`,
  };
  const rows: Record<string, unknown[]> = {};
  for (const [name, sql] of Object.entries(queries)) {
    rows[name] = (await client.query(sql)).rows;
  }
  return rows;
}
