/**
 * A stop signal often reaches the server more than once at the same moment: `pnpm start`
 * runs it (in scripts/start.mjs's process) under pnpm, which passes SIGINT and SIGTERM on, while a
 * signal to the whole process group (Ctrl-C in a terminal, `kill -TERM -<pgid>`, systemd
 * stopping the unit, which signals every process of it) also reaches the server directly.
 * Copies that arrive within this window of the first are that one signal.
 */
export const DUPLICATE_SIGNAL_WINDOW_MS = 1_000;

export type StopSignalHandlers = {
  /** The first SIGTERM or SIGINT: drain and stop. */
  stop(signal: NodeJS.Signals): void;
  /** A stop signal sent again later, on purpose: stop waiting. */
  again(signal: NodeJS.Signals): void;
};

/** Routes SIGTERM and SIGINT to `handlers`, counting a burst of copies as one signal. */
export function onStopSignals(handlers: StopSignalHandlers, windowMs = DUPLICATE_SIGNAL_WINDOW_MS): void {
  let firstAt: number | undefined;
  const receive = (signal: NodeJS.Signals) => {
    const now = performance.now();
    if (firstAt === undefined) {
      firstAt = now;
      handlers.stop(signal);
    } else if (now - firstAt >= windowMs) {
      handlers.again(signal);
    }
  };
  process.on("SIGTERM", receive);
  process.on("SIGINT", receive);
}
