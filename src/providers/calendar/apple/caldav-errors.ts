import { parseRetryAfter } from "../../kit/retry-after.js";
import { ProviderError, type ProviderErrorKind } from "../../kit/provider-error.js";

function kindOf(status: number): ProviderErrorKind {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404 || status === 410) return "not_found";
  if (status === 409) return "conflict";
  if (status === 412) return "precondition_failed";
  if (status === 429 || status === 503) return "rate_limited";
  if (status >= 500) return "unavailable";
  return "bad_request";
}

export function caldavError(status: number, what: string, retryAfter?: string | null): ProviderError {
  const kind = kindOf(status);
  return new ProviderError(
    "apple",
    kind,
    `${what} answered ${status}`,
    kind === "rate_limited" ? parseRetryAfter(retryAfter) : undefined,
    status,
  );
}

export function unreachable(what: string, error: unknown): ProviderError {
  return new ProviderError("apple", "unavailable", `${what} failed: ${(error as Error)?.message ?? String(error)}`);
}
