import { AsyncLocalStorage } from "node:async_hooks";
import { resolve } from "node:path";
import type { Readable } from "node:stream";
import { z } from "zod";
import { ExitCode } from "./exit-codes.ts";

/** Where the CLI writes: the process's stdout or stderr, or a buffer when a test runs it in-process. */
export type OutputStream = NodeJS.WritableStream & {
  isTTY?: boolean;
  columns?: number;
  hasColors?: () => boolean;
};

/** What one run of `registrar` is handed; src/main.ts passes the process's own. */
export type CliIo = {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  stdin: Readable;
  stdout: OutputStream;
  stderr: OutputStream;
};

/** The environment the CLI reads, once, when a run starts; nothing below reads `process.env`. */
const environmentSchema = z
  .object({
    REGISTRAR_URL: z.string().optional(),
    REGISTRAR_TOKEN: z.string().optional(),
    // set by npm and pnpm when a package script (the root's `pnpm registrar`) launched us
    npm_lifecycle_event: z.string().optional(),
    INIT_CWD: z.string().optional(),
    NO_COLOR: z.string().optional(),
    FORCE_COLOR: z.string().optional(),
    CLICOLOR_FORCE: z.string().optional(),
  })
  .transform((env) => ({
    url: env.REGISTRAR_URL,
    token: env.REGISTRAR_TOKEN,
    launchedByScript: env.npm_lifecycle_event === "registrar",
    initCwd: env.INIT_CWD,
    // the conventions commander follows for its own output, NO_COLOR first
    colours:
      env.NO_COLOR || env.FORCE_COLOR === "0" || env.FORCE_COLOR === "false"
        ? false
        : env.FORCE_COLOR || env.CLICOLOR_FORCE !== undefined
          ? true
          : undefined,
  }));

export type Settings = {
  /** REGISTRAR_URL and REGISTRAR_TOKEN: what --url and --token default to */
  url: string | undefined;
  token: string | undefined;
  /** where relative paths the user typed start */
  baseDir: string;
  /** forced on or off by NO_COLOR / FORCE_COLOR, else up to whether the stream is a terminal */
  colours: boolean | undefined;
};

export type Invocation = Omit<CliIo, "env" | "cwd"> & {
  settings: Settings;
  /** what the run exits with when no error ends it; a command sets it when it finished with failures */
  exitCode: ExitCode;
};

export function startInvocation(io: CliIo): Invocation {
  const env = environmentSchema.parse(io.env);
  return {
    settings: {
      url: env.url,
      token: env.token,
      // `pnpm registrar` runs from the workspace root: take paths from where the user was
      baseDir: env.launchedByScript ? (env.initCwd ?? io.cwd) : io.cwd,
      colours: env.colours,
    },
    stdin: io.stdin,
    stdout: io.stdout,
    stderr: io.stderr,
    exitCode: ExitCode.ok,
  };
}

// Commands print through output.ts from deep inside commander's callbacks; the run they
// belong to travels with them here instead of through every helper's arguments, and two
// runs in one process (the tests run the CLI in-process, some at once) keep their own.
const running = new AsyncLocalStorage<Invocation>();

export function withInvocation<T>(invocation: Invocation, run: () => Promise<T>): Promise<T> {
  return running.run(invocation, run);
}

/** The run the calling command belongs to. */
export function currentInvocation(): Invocation {
  const invocation = running.getStore();
  if (invocation === undefined) throw new Error("a registrar command ran outside runRegistrar()");
  return invocation;
}

/** Ends the run with this exit code once the command has printed its result (an import with failed rows). */
export function exitWith(code: ExitCode): void {
  currentInvocation().exitCode = code;
}

/** A path the user typed, made absolute. */
export function userPath(path: string): string {
  return resolve(currentInvocation().settings.baseDir, path);
}
