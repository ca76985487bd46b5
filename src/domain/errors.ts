/**
 * Failures the domain and use cases report. The RPC layer maps each class to
 * one Connect code in one place (src/rpc/interceptors/error-mapping.ts).
 */
export class DomainError extends Error {
  override name = this.constructor.name;
}

/** Bad input; names the offending field (proto name, e.g. "end_time"). */
export class InvalidArgumentError extends DomainError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

export class NotFoundError extends DomainError {}

/** The request is valid but the current state forbids it (e.g. an illegal status change). */
export class FailedPreconditionError extends DomainError {}

/** The same idempotency key was reused with a different request. */
export class AlreadyExistsError extends DomainError {}

/** Optimistic concurrency: the caller's version is stale. */
export class AbortedError extends DomainError {}

export class PermissionDeniedError extends DomainError {}

/** A dependency (provider, database) cannot be reached right now. */
export class UnavailableError extends DomainError {}

export class ResourceExhaustedError extends DomainError {}
