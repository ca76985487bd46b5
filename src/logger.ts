import { trace } from "@opentelemetry/api";
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

const NATIVE_ERRORS = new Set<unknown>([
  Error,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
]);

/**
 * What a log line may say about a failure, for every `err`/`error` key. Driver
 * and ORM errors carry the SQL with its values (customer names, phones,
 * emails, notes) in their message, and a multi-line message repeats in the
 * stack: only their class, SQLSTATE, constraint, table and the stack frames
 * are kept. The message is kept for JavaScript's own error types (real bugs).
 */
export function loggableError(error: unknown): unknown {
  if (!(error instanceof Error)) return typeof error === "string" ? error : { value: typeof error };
  const e = error as Error & { code?: unknown; constraint?: unknown; table?: unknown; routine?: unknown };
  const frames = (e.stack ?? "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line))
    .slice(0, 8)
    .join("\n");
  const sqlState = typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
  return {
    type: e.name,
    ...(NATIVE_ERRORS.has(e.constructor) && sqlState === undefined ? { message: e.message } : {}),
    ...(sqlState ? { sqlState, constraint: e.constraint, table: e.table, routine: e.routine } : {}),
    at: frames,
  };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
      serializers: { err: loggableError, error: loggableError },
      base: { service: "universal-calendar" },
      timestamp: pino.stdTimeFunctions.isoTime,
      // The trace a line belongs to, when tracing is on (without an SDK there is never an active span).
      // A fresh object each time: pino merges the line's fields into what the mixin returns.
      mixin: () => {
        const span = trace.getActiveSpan()?.spanContext();
        return span ? { traceId: span.traceId, spanId: span.spanId } : {};
      },
    },
    destination,
  );
}

export type { Logger };
