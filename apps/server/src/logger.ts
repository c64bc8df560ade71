import pino, { type DestinationStream, type Logger } from "pino";

/**
 * Structured JSON logs; credentials are redacted wherever they appear. The destination is
 * stdout unless given (tests capture lines with their own stream).
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
  return destination ? pino(options, destination) : pino(options);
}
