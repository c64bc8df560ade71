import {
  isRegistrarError,
  type RegistrarClient,
  type RegistrarTrpcEvent,
  type RouterInputs,
} from "@registrar/sdk";
import { type Command, InvalidArgumentError, Option } from "commander";
import { contextOf } from "../context.ts";
import { UsageError } from "../exit-codes.ts";
import { currentInvocation } from "../invocation.ts";
import { printLine, printNote } from "../output.ts";
import { courseLabel } from "../phrases.ts";

/** The feed's largest page: a backlog is read 1,000 events a request. */
const PAGE_SIZE = 1000;
/** An idle feed is asked again after this, doubled each empty answer up to the most. */
const IDLE_WAIT_MS = { first: 250, most: 2000 };
/** After a failure, the same: no answer from a restarting server is not a reason to stop. */
const RETRY_WAIT_MS = { first: 500, most: 5000 };
/** `after` as the feed takes it (contract: decimal digits, at most 18). */
const EVENT_ID = /^[0-9]{1,18}$/;
const LARGEST_EVENT_ID = 10n ** 18n - 1n;

type TypePattern = NonNullable<Extract<RouterInputs["events"]["list"], object>["types"]>[number];
type TailOptions = { after?: string; fromStart?: boolean; type?: TypePattern[] };

function eventIdOption(text: string): string {
  const id = text.trim();
  if (!EVENT_ID.test(id))
    throw new InvalidArgumentError("It must be an event id: decimal digits, at most 18.");
  return id.replace(/^0+(?=\d)/, "");
}

/**
 * `--type a,b --type c`: every pattern once, in the order given. Only their shape is checked
 * here; which names exist is the server's to say (the feed's own list, never a copy), and
 * its refusal is reported as a usage error.
 */
function typesOption(text: string, previous: TypePattern[] | undefined): TypePattern[] {
  const patterns = text
    .split(",")
    .map((pattern) => pattern.trim())
    .filter(Boolean);
  if (patterns.length === 0 || !patterns.every((pattern) => /^[a-z]+\.(?:[a-z]+|\*)$/.test(pattern))) {
    throw new InvalidArgumentError("It must be event types or patterns, e.g. enrollment.*,student.created.");
  }
  return [...new Set([...(previous ?? []), ...(patterns as TypePattern[])])];
}

/** A value as one line of a terminal, whatever the data holds. */
function flat(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  return text.replace(/[\u0000-\u001f\u007f]+/g, " ");
}

/** What an event is about, in the CLI's words: `student 3: Ada Lovelace <ada@example.org>`. */
function summary(event: RegistrarTrpcEvent): string {
  switch (event.type) {
    case "student.created":
    case "student.updated":
      return `student ${event.data.id}: ${event.data.name} <${event.data.email}>`;
    case "course.created":
    case "course.updated":
      return courseLabel(event.data.id, event.data);
    case "term.created":
    case "term.updated":
      return `term ${event.data.id}: ${event.data.name} (${event.data.startsOn} to ${event.data.endsOn})`;
    case "student.deleted":
      return `student ${event.data.id}`;
    case "course.deleted":
      return `course ${event.data.id}`;
    case "term.deleted":
      return `term ${event.data.id}`;
    default: {
      const position =
        event.data.waitlistPosition === null ? undefined : `waitlist position ${event.data.waitlistPosition}`;
      return `student ${event.data.studentId}, ${courseLabel(event.data.id, event.data, position)}`;
    }
  }
}

const TYPE_WIDTH = "enrollment.reactivated".length;

/** `42  2026-12-02 09:14:03  enrollment.enrolled     student 3, ALG-1 Algebra (course 2)`. */
function eventLine(event: RegistrarTrpcEvent): string {
  const at = event.occurredAt.replace("T", " ").slice(0, 19);
  return flat(`${event.id}  ${at}  ${event.type.padEnd(TYPE_WIDTH)}  ${summary(event)}`);
}

/** Whether a failed request is worth asking again: no answer, a proxy's page, a 5xx or a 429. */
function transient(error: unknown): boolean {
  if (!isRegistrarError(error)) return false;
  return (
    error.code === "network_error" ||
    error.code === "unexpected_response" ||
    error.status === 429 ||
    error.status >= 500
  );
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

/**
 * The newest id of the feed, so that `tail` starts from now. The feed is read oldest first
 * and has no "last page", so this gallops: `after=x&limit=1` answers the first event above
 * x (x known to be below the newest) or nothing (x at or past it), doubling the step and
 * then halving the range: about 2·log2(newest id) requests of one indexed row each, however
 * many events are kept. Events committed meanwhile only move the answer on.
 */
async function newestEventId(client: RegistrarClient, signal: AbortSignal): Promise<bigint> {
  let low = 0n; // an id the feed has, or 0
  let high: bigint | undefined; // no event is above it (when known)
  let step = 1n;
  for (;;) {
    const probe = high === undefined ? low + step : low + (high - low) / 2n;
    const at = probe > LARGEST_EVENT_ID ? LARGEST_EVENT_ID : probe;
    const page = await client.trpc.events.list.query({ after: String(at), limit: 1 }, { signal });
    const first = page.events[0];
    if (first === undefined) {
      if (at === low) return low;
      high = at;
    } else {
      low = BigInt(first.id);
      // events recorded during the search: the range opens again
      if (high !== undefined && low > high) high = undefined;
      step *= 2n;
    }
  }
}

/** Whether a refusal is the server's verdict on `--type`: a usage error of the command line. */
function refusedTypes(error: unknown): boolean {
  return (
    isRegistrarError(error) &&
    error.code === "validation_failed" &&
    (error.problem.errors ?? []).some((issue) => String(issue.path ?? "").startsWith("types"))
  );
}

async function tail(command: Command, options: TailOptions): Promise<void> {
  const { client, json } = contextOf(command);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  // A reader that went away (`| head`) ends the tail as Ctrl-C does.
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") stop.abort();
  };
  // the output is the run's (a pipe, or a test's buffer); Ctrl-C reaches the process
  const { stdout } = currentInvocation();
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  stdout.on("error", onStdoutError);
  try {
    let after = options.after ?? (options.fromStart ? "0" : String(await newestEventId(client, stop.signal)));
    if (stop.signal.aborted) return;
    printNote(`Following events after ${after === "0" ? "the start" : after} (Ctrl-C stops).`);
    const types = options.type;
    let idleWait = IDLE_WAIT_MS.first;
    let retryWait = RETRY_WAIT_MS.first;
    let answered = false;
    let failing = false;
    while (!stop.signal.aborted) {
      let page: Awaited<ReturnType<typeof client.trpc.events.list.query>>;
      try {
        page = await client.trpc.events.list.query(
          { after, limit: PAGE_SIZE, ...(types ? { types } : {}) },
          { signal: stop.signal },
        );
      } catch (error) {
        if (stop.signal.aborted) return;
        if (refusedTypes(error)) {
          throw new UsageError(`--type ${isRegistrarError(error) ? error.detail : "is not valid"}`);
        }
        // The first answer decides whether this is a Registrar feed at all; after it, a
        // failure is a server restarting or a network hiccup: wait, then ask from the last id printed.
        if (!answered || !transient(error)) throw error;
        if (!failing) {
          const reason = isRegistrarError(error) ? error.detail : String(error);
          printNote(`No answer from the server (${reason}); trying again, after ${after}.`);
        }
        failing = true;
        await pause(retryWait, stop.signal);
        retryWait = Math.min(retryWait * 2, RETRY_WAIT_MS.most);
        continue;
      }
      if (failing) printNote(`The server answers again; following after ${after}.`);
      answered = true;
      failing = false;
      retryWait = RETRY_WAIT_MS.first;
      for (const event of page.events) {
        printLine(json ? JSON.stringify(event) : eventLine(event));
      }
      after = page.nextAfter;
      if (page.events.length === PAGE_SIZE) continue; // a backlog: the next page at once
      if (page.events.length > 0) idleWait = IDLE_WAIT_MS.first;
      await pause(idleWait, stop.signal);
      if (page.events.length === 0) idleWait = Math.min(idleWait * 2, IDLE_WAIT_MS.most);
    }
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    stdout.off("error", onStdoutError);
  }
}

export function registerEventCommands(program: Command): void {
  const events = program.command("events").description("the change feed (GET /events)");

  events
    .command("tail")
    .description(
      "print the feed's events as they are recorded, one line each (--json: one JSON object a line), until Ctrl-C",
    )
    .option("--after <id>", "start after this event id (the last one a previous run printed)", eventIdOption)
    .addOption(
      new Option("--from-start", "start from the oldest event kept (default: from now on)").conflicts(
        "after",
      ),
    )
    .option(
      "--type <patterns>",
      "only these types, e.g. enrollment.*,student.created (repeatable)",
      typesOption,
    )
    .action(async (options: TailOptions, command: Command) => {
      await tail(command, options);
    });
}
