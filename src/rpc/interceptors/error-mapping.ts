import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import {
  AbortedError,
  AlreadyExistsError,
  type DomainError,
  FailedPreconditionError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  ResourceExhaustedError,
  UnavailableError,
} from "../../domain/errors.js";
import type { Logger } from "../../logger.js";
import { ProviderError, type ProviderErrorKind } from "../../providers/kit/provider-error.js";

const DOMAIN_CODES: [new (...args: never[]) => DomainError, Code][] = [
  [InvalidArgumentError, Code.InvalidArgument],
  [NotFoundError, Code.NotFound],
  [FailedPreconditionError, Code.FailedPrecondition],
  [AlreadyExistsError, Code.AlreadyExists],
  [AbortedError, Code.Aborted],
  [PermissionDeniedError, Code.PermissionDenied],
  [UnavailableError, Code.Unavailable],
  [ResourceExhaustedError, Code.ResourceExhausted],
];

/**
 * A provider's refusal is never our caller's bad input and never a bug of
 * ours to hide behind INTERNAL: the integration needs attention
 * (failed_precondition) or the provider is away (unavailable). A 4xx that
 * is our request's fault (400, 413, 414, 431...) is `bad_request`.
 */
const PROVIDER_CODES: Record<ProviderErrorKind, { code: Code; problem: string }> = {
  unauthorized: { code: Code.FailedPrecondition, problem: "refused the stored credentials: reconnect the calendar" },
  invalid_grant: { code: Code.FailedPrecondition, problem: "access was revoked: reconnect the calendar" },
  forbidden: { code: Code.FailedPrecondition, problem: "denied access" },
  not_found: { code: Code.FailedPrecondition, problem: "no longer has the requested item" },
  conflict: { code: Code.Aborted, problem: "reported a conflicting change: retry" },
  precondition_failed: { code: Code.Aborted, problem: "has a newer version of the item: read it again" },
  bad_request: { code: Code.FailedPrecondition, problem: "rejected the request" },
  rate_limited: { code: Code.Unavailable, problem: "is throttling requests: retry later" },
  unavailable: { code: Code.Unavailable, problem: "cannot be reached: retry later" },
};

function providerConnectError(error: ProviderError): ConnectError {
  const { code, problem } = PROVIDER_CODES[error.kind];
  const status = error.status ? ` (HTTP ${error.status})` : "";
  return new ConnectError(`${error.provider} ${problem}${status}`, code);
}

/** SQLSTATE classes meaning the database is unreachable or going away, not a bug of ours. */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0)/;
const UNAVAILABLE_NODE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND"]);

function databaseUnavailable(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof e.code === "string" && (UNAVAILABLE_SQLSTATE.test(e.code) || UNAVAILABLE_NODE_CODES.has(e.code))) {
    return true;
  }
  if (
    typeof e.message === "string" &&
    /Timeout acquiring a connection|Connection terminated|pool is (probably )?full/i.test(e.message)
  ) {
    return true;
  }
  return e.cause !== undefined && e.cause !== error && databaseUnavailable(e.cause);
}

/** Maps any failure to one precise Connect code; only real bugs become INTERNAL (and are logged). */
export function toConnectError(error: unknown, logger: Logger, method: string): ConnectError {
  if (error instanceof ConnectError) return error;
  for (const [type, code] of DOMAIN_CODES) {
    if (error instanceof type) return new ConnectError(error.message, code);
  }
  if (error instanceof ProviderError) {
    logger.warn({ method, provider: error.provider, kind: error.kind, status: error.status }, "provider refused");
    return providerConnectError(error);
  }
  if (databaseUnavailable(error)) {
    logger.warn({ method, err: error }, "database unavailable");
    return new ConnectError("database unavailable, retry later", Code.Unavailable);
  }
  logger.error({ method, err: error }, "internal error");
  return new ConnectError("internal error", Code.Internal);
}

export function createErrorMappingInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    const method = `${req.service.typeName}/${req.method.name}`;
    try {
      const res = await next(req);
      if (!res.stream) return res;
      const source = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* source;
          } catch (error) {
            throw toConnectError(error, logger, method);
          }
        })(),
      };
    } catch (error) {
      throw toConnectError(error, logger, method);
    }
  };
}
