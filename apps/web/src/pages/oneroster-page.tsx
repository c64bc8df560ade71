import {
  createRegistrarOneRosterClient,
  MAX_ONEROSTER_PACKAGE_BYTES,
  type OneRosterImportReport,
} from "@registrar/sdk";
import { useMutation } from "@tanstack/react-query";
import { type FormEvent, useId, useMemo, useState } from "react";
import { useApiKey } from "../api-key.tsx";
import { ErrorMessage } from "../components/error-message.tsx";
import { useDocumentTitle } from "../document-title.ts";

type Counts = OneRosterImportReport["summary"]["students"];
type Issue = OneRosterImportReport["errors"][number] | OneRosterImportReport["warnings"][number];

const kinds = [
  ["students", "Students"],
  ["courses", "Courses"],
  ["terms", "Terms"],
  ["enrollments", "Enrollments"],
] as const;

/**
 * OneRoster CSV packages: an import checked first (a dry run, shown as a diff of what it
 * would create, update and drop, with every row it would skip and why), then applied; and
 * the server's data exported as a OneRoster 1.2 package.
 */
export function OneRosterPage() {
  useDocumentTitle("OneRoster");
  const { apiKey } = useApiKey();
  const client = useMemo(
    () => createRegistrarOneRosterClient({ baseUrl: window.location.origin, token: apiKey }),
    [apiKey],
  );
  const fileFieldId = useId();
  const [file, setFile] = useState<File>();
  const [checkedFile, setCheckedFile] = useState<File>();
  const tooLarge = file !== undefined && file.size > MAX_ONEROSTER_PACKAGE_BYTES;
  const check = useMutation({
    mutationFn: async (zip: File) => client.importPackage(zip, { dryRun: true }),
    onSuccess: (_report, zip) => setCheckedFile(zip),
  });
  const apply = useMutation({
    mutationFn: async (zip: File) => client.importPackage(zip, { dryRun: false }),
  });
  const exporting = useMutation({
    mutationFn: async () => {
      const stream = await client.exportPackage();
      const blob = await new Response(stream).blob();
      const url = URL.createObjectURL(blob);
      const link = document.createElement("a");
      link.href = url;
      link.download = `oneroster-${new Date().toISOString().slice(0, 10)}.zip`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!file || tooLarge || check.isPending) return;
    apply.reset();
    check.mutate(file);
  };
  const report = apply.data ?? (checkedFile === file ? check.data : undefined);

  return (
    <section aria-labelledby="oneroster-title">
      <h1 id="oneroster-title">OneRoster</h1>
      <p className="muted">
        Student information systems export rosters as OneRoster CSV packages (a zip of manifest.csv,
        users.csv, classes.csv, enrollments.csv, …). Check a package first: nothing is written until you apply
        it. Importing needs an admin key when the server requires keys.
      </p>

      <form className="card" onSubmit={submit} aria-labelledby="import-title">
        <h2 id="import-title">Import a package</h2>
        <div className="fields">
          <label htmlFor={fileFieldId}>
            OneRoster package (.zip, at most 50 MiB)
            <input
              id={fileFieldId}
              type="file"
              accept=".zip,application/zip"
              aria-invalid={tooLarge || undefined}
              onChange={(event) => {
                setFile(event.target.files?.[0]);
                check.reset();
                apply.reset();
              }}
            />
          </label>
          <button type="submit" className="primary" disabled={!file || tooLarge || check.isPending}>
            {check.isPending ? "Checking…" : "Check package"}
          </button>
        </div>
        {tooLarge && (
          <p role="alert" className="error">
            This file is over 50 MiB; the server takes packages of at most 50 MiB.
          </p>
        )}
        <ErrorMessage error={check.error} />
      </form>

      {report && (
        <ImportReport
          report={report}
          applying={apply.isPending}
          onApply={report.dry_run && checkedFile ? () => apply.mutate(checkedFile) : undefined}
        />
      )}
      <ErrorMessage error={apply.error} />

      <div className="card">
        <h2>Export</h2>
        <p className="muted">
          Every student, course, term and active enrollment as a OneRoster 1.2 bulk package, for an LMS or
          another Registrar.
        </p>
        <button type="button" onClick={() => exporting.mutate()} disabled={exporting.isPending}>
          {exporting.isPending ? "Exporting…" : "Export OneRoster"}
        </button>
        <ErrorMessage error={exporting.error} />
      </div>
    </section>
  );
}

function ImportReport({
  report,
  applying,
  onApply,
}: {
  report: OneRosterImportReport;
  applying: boolean;
  onApply: (() => void) | undefined;
}) {
  const { summary, errors, warnings } = report;
  const sum = (key: keyof Counts) => kinds.reduce((total, [kind]) => total + summary[kind][key], 0);
  const changes = sum("created") + sum("updated") + sum("dropped");
  const files = Object.entries(report.files)
    .filter(([, mode]) => mode !== "absent")
    .map(([name, mode]) => `${name} (${mode})`)
    .join(", ");
  return (
    <section className="card" aria-labelledby="report-title">
      <h2 id="report-title">{report.dry_run ? "What this import would change" : "Import applied"}</h2>
      <p role="status" className={report.dry_run ? undefined : "success"}>
        {report.dry_run
          ? `Checked: OneRoster ${report.oneroster_version}, ${changes} change${changes === 1 ? "" : "s"}, ${errors.length} row${errors.length === 1 ? "" : "s"} with errors. Nothing has been written yet.`
          : `Applied: ${changes} change${changes === 1 ? "" : "s"}; ${errors.length} row${errors.length === 1 ? "" : "s"} skipped for errors.`}
      </p>
      <p className="muted">Files read: {files || "none"}.</p>
      <table className="import-diff">
        <caption>Records, by what the import {report.dry_run ? "would do" : "did"}</caption>
        <thead>
          <tr>
            <th scope="col">Records</th>
            <th scope="col" className="diff-created">
              Create
            </th>
            <th scope="col" className="diff-updated">
              Update
            </th>
            <th scope="col" className="diff-dropped">
              Drop
            </th>
            <th scope="col">Unchanged</th>
            <th scope="col">Skipped</th>
          </tr>
        </thead>
        <tbody>
          {kinds.map(([kind, label]) => (
            <tr key={kind}>
              <th scope="row">{label}</th>
              <td className={summary[kind].created > 0 ? "diff-created" : undefined}>
                {summary[kind].created > 0 ? `+${summary[kind].created}` : "0"}
              </td>
              <td className={summary[kind].updated > 0 ? "diff-updated" : undefined}>
                {summary[kind].updated > 0 ? `~${summary[kind].updated}` : "0"}
              </td>
              <td className={summary[kind].dropped > 0 ? "diff-dropped" : undefined}>
                {summary[kind].dropped > 0 ? `−${summary[kind].dropped}` : "0"}
              </td>
              <td>{summary[kind].unchanged}</td>
              <td>{summary[kind].skipped}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <IssueTable title="Errors: these rows are skipped" issues={errors} empty="No row has an error." />
      <IssueTable title="Warnings: read anyway" issues={warnings} empty="No warnings." />
      {onApply && (
        <div className="form-actions">
          <button type="button" className="primary" onClick={onApply} disabled={applying}>
            {applying ? "Applying…" : "Apply import"}
          </button>
        </div>
      )}
    </section>
  );
}

function IssueTable({ title, issues, empty }: { title: string; issues: Issue[]; empty: string }) {
  const titleId = useId();
  return (
    <>
      <h3 id={titleId}>
        {title} ({issues.length})
      </h3>
      {issues.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <table aria-labelledby={titleId}>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Line</th>
              <th scope="col">sourcedId</th>
              <th scope="col">Code</th>
              <th scope="col" className="wide">
                Message
              </th>
            </tr>
          </thead>
          <tbody>
            {issues.map((issue, index) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: a report's rows never move; two may be alike
              <tr key={index}>
                <td>{issue.file}</td>
                <td>{issue.line ?? "–"}</td>
                <td>{issue.sourced_id ?? "–"}</td>
                <td>
                  <code>{issue.code}</code>
                </td>
                <td>{issue.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
