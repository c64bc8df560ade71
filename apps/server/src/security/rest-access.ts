import type { Access } from "@registrar/core";
import { idParamSchema } from "@registrar/core";

/** A path id as the routes accept it (the routes' own schema), else undefined. */
function pathId(segment: string | undefined): number | undefined {
  const parsed = idParamSchema.safeParse(segment);
  return parsed.success ? parsed.data : undefined;
}

/**
 * What a REST request does, for the role check; undefined for paths outside the API's
 * resources (docs, UI, unknown paths), which need a valid key but no particular role.
 * (Keys are managed over tRPC and `pnpm keys`; REST has no /keys route.)
 */
export function restAccess(method: string, path: string): Access | undefined {
  const segments = path.split("/").filter(Boolean);
  const [resource, first, nested] = segments;
  const reads = method === "GET" || method === "HEAD";
  switch (resource) {
    case "students": {
      const studentId = pathId(first);
      // GET /students/{id} and GET /students/{id}/courses read one student's own data.
      if (
        reads &&
        studentId !== undefined &&
        (segments.length === 2 || (segments.length === 3 && nested === "courses"))
      )
        return { kind: "read-student", studentId };
      return reads ? { kind: "read", studentId } : { kind: "write", studentId };
    }
    case "courses": {
      const courseId = pathId(first);
      if (reads && courseId !== undefined && segments.length === 2) return { kind: "read-course", courseId };
      return reads ? { kind: "read" } : { kind: "write" };
    }
    default:
      return undefined;
  }
}
