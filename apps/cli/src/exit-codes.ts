/**
 * What `registrar` exits with; scripts may rely on these (documented in the README).
 */
export const ExitCode = {
  /** The command did what it was asked. */
  ok: 0,
  /** The server refused the request (not found, validation, course full, ...), or an import had failed rows. */
  refused: 1,
  /** The command line was wrong: unknown command or option, missing or malformed argument, unreadable CSV. */
  usage: 2,
  /** No answer from the server: connection refused, DNS failure, or it answered something that is not Registrar. */
  unreachable: 3,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A mistake in how the command was called: reported in one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** The server refused, said in the CLI's own words (it names what the problem gives by id): exit code 1. */
export class RefusedError extends Error {
  override readonly name = "RefusedError";
}
