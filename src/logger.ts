import { pino, type DestinationStream, type Logger } from "pino";

/**
 * Paths whose values never reach a log line: customer PII, credentials and
 * anything secret, wherever they sit in a logged object.
 */
const REDACTED_PATHS = [
  "customerName",
  "customerPhone",
  "customerEmail",
  "address",
  "phone",
  "email",
  "accessToken",
  "refreshToken",
  "apiKey",
  "password",
  "appSpecificPassword",
  "authorization",
  "token",
  "secret",
  "headers.authorization",
  'headers["x-service-key"]',
  "req.headers.authorization",
  'req.headers["x-service-key"]',
].flatMap((path) => [path, `*.${path}`]);

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
    level,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    base: { service: "universal-calendar" },
    timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
