import { ProviderError, type ProviderErrorKind } from "../calendar-provider.js";

function kindOf(status: number): ProviderErrorKind {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404 || status === 410) return "not_found";
  if (status === 409 || status === 412) return "conflict";
  if (status === 429 || status === 503) return "rate_limited";
  if (status >= 500) return "unavailable";
  return "bad_request";
}

/** Retry-After is either delta-seconds or an HTTP date. */
function retryAfterMs(value: string | null | undefined): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export function caldavError(status: number, what: string, retryAfter?: string | null): ProviderError {
  const kind = kindOf(status);
  return new ProviderError("apple", kind, `${what} answered ${status}`, kind === "rate_limited" ? retryAfterMs(retryAfter) : undefined, status);
}

export function unreachable(what: string, error: unknown): ProviderError {
  return new ProviderError("apple", "unavailable", `${what} failed: ${(error as Error)?.message ?? String(error)}`);
}
