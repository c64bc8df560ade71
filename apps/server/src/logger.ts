import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Structured JSON logs; credentials are redacted wherever they appear. The destination is
 * stdout unless given (tests capture lines with their own stream). On a terminal, lines are
 * written synchronously, so that what the server prints for a person on stderr (the start
 * banner, the stop line) comes after them rather than in the middle; elsewhere pino's
 * asynchronous writer keeps logging off the request path.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: "registrar" },
    redact: {
      paths: ["req.headers.authorization", "headers.authorization", "authorization", "token", "*.token"],
      censor: "[redacted]",
    },
  };
  if (destination) return pino(options, destination);
  return process.stdout.isTTY ? pino(options, pino.destination({ dest: 1, sync: true })) : pino(options);
}
