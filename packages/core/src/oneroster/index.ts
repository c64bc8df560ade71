export type { ImportActor, ImportCounts, ImportSummary } from "./apply.ts";
export { importOneRoster, type OneRosterImportOptions, type OneRosterImportReport } from "./import.ts";
export type { ImportError, ImportWarning, PackageBody } from "./package.ts";
export * from "./vocabulary.ts";
