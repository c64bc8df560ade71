import pino, { type Logger } from "pino";

/** Structured JSON logs; credentials are redacted wherever they appear. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "registrar" },
    redact: {
      paths: ["req.headers.authorization", "headers.authorization", "authorization", "token", "*.token"],
      censor: "[redacted]",
    },
  });
}
