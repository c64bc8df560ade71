export * from "./api-keys.ts";
export * from "./courses.ts";
export * from "./enrollments.ts";
export * from "./errors.ts";
export { DEFAULT_PAGE_SIZE, decodeCursor, encodeCursor } from "./paging.ts";
export * from "./problems.ts";
export * from "./schemas.ts";
export * from "./students.ts";
export * from "./versions.ts";
