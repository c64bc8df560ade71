import type { Database } from "./database.ts";
import { Course } from "./models/Course.ts";
import { Student } from "./models/Student.ts";
import { StudentCourse } from "./models/StudentCourse.ts";

export type SeedSummary =
  | { seeded: false; reason: string }
  | { seeded: true; students: number; courses: number; enrollments: number; fullCourse: string };

const demoDomain = "demo.registrar.test";

const firstNames = [
  "Ada",
  "Alan",
  "Grace",
  "Edsger",
  "Barbara",
  "Donald",
  "Margaret",
  "Ken",
  "Frances",
  "John",
  "Radia",
  "Tim",
  "Hedy",
  "Claude",
  "Katherine",
  "Dennis",
  "Sophie",
  "Niklaus",
];
const lastNames = ["Lovelace", "Turing", "Hopper", "Dijkstra", "Liskov", "Knuth"];

const courseCatalog: Array<{ name: string; level: string; capacity: number | null }> = [
  { name: "Algebra", level: "beginner", capacity: 30 },
  { name: "Geometry", level: "beginner", capacity: 30 },
  { name: "Calculus", level: "intermediate", capacity: 25 },
  { name: "Linear Algebra", level: "intermediate", capacity: 25 },
  { name: "Statistics", level: "intermediate", capacity: null },
  { name: "Physics", level: "beginner", capacity: 28 },
  { name: "Chemistry", level: "beginner", capacity: 28 },
  { name: "Biology", level: "beginner", capacity: null },
  { name: "World History", level: "beginner", capacity: 40 },
  { name: "Literature", level: "intermediate", capacity: 35 },
  { name: "Programming", level: "advanced", capacity: 20 },
  { name: "Astronomy Lab", level: "advanced", capacity: 4 },
];

/**
 * A small demo school: 36 students, 12 courses, a few enrollments each, and one full
 * course ("Astronomy Lab"). Written in one transaction; skipped when already present.
 */
export async function seedDemoSchool(db: Database): Promise<SeedSummary> {
  return db.transaction(async (trx) => {
    const existing = await Student.query(trx).select("id").where("email", "like", `%@${demoDomain}`).first();
    if (existing) return { seeded: false, reason: "the demo school is already there" };

    const studentRows = Array.from({ length: 36 }, (_, index) => {
      const first = firstNames[index % firstNames.length] ?? "Student";
      const last = lastNames[Math.floor(index / firstNames.length) % lastNames.length] ?? "Demo";
      return {
        name: `${first} ${last}`,
        email: `${first}.${last}.${index + 1}@${demoDomain}`.toLowerCase(),
      };
    });
    const students = await Student.query(trx).insert(studentRows).returning("id");
    const courses = await Course.query(trx).insert(courseCatalog).returning("id");

    const fullCourse = courses[courses.length - 1];
    const regularCourses = courses.slice(0, -1);
    const enrollments: Array<{ studentId: number; courseId: number }> = [];
    students.forEach((student, index) => {
      // two to four courses each, spread over the catalog
      const count = 2 + (index % 3);
      for (let k = 0; k < count; k++) {
        const course = regularCourses[(index + k * 4) % regularCourses.length];
        if (course) enrollments.push({ studentId: student.id, courseId: course.id });
      }
    });
    if (fullCourse) {
      const capacity = courseCatalog[courseCatalog.length - 1]?.capacity ?? 0;
      for (const student of students.slice(0, capacity)) {
        enrollments.push({ studentId: student.id, courseId: fullCourse.id });
      }
    }
    await StudentCourse.query(trx).insert(enrollments);
    return {
      seeded: true,
      students: students.length,
      courses: courses.length,
      enrollments: enrollments.length,
      fullCourse: courseCatalog[courseCatalog.length - 1]?.name ?? "",
    };
  });
}
