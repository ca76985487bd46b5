import { FailedPreconditionError, UnavailableError, type DomainError } from "../../domain/errors.js";
import { ProviderError, type ProviderErrorKind } from "../../providers/kit/provider-error.js";

/**
 * A provider's failure while a user connects, as the caller should see it:
 * the kinds that mean "the provider refused what you gave it" become
 * `refused`, an unreachable provider is unavailable (retry later), any other
 * provider failure a failed precondition. Anything else is returned as is.
 */
export function connectFailureOf(
  error: unknown,
  provider: string,
  refused: { kinds: ProviderErrorKind[]; error: () => DomainError },
): unknown {
  if (!(error instanceof ProviderError)) return error;
  if (refused.kinds.includes(error.kind)) return refused.error();
  if (error.retryable) return new UnavailableError(`${provider} cannot be reached: retry later`);
  const status = error.status ? ` (HTTP ${error.status})` : "";
  return new FailedPreconditionError(`${provider} rejected the request: ${error.kind}${status}`);
}
