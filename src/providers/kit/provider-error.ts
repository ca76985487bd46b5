/**
 * The one failure vocabulary of every provider adapter (calendar and field
 * service). Adapters turn HTTP failures into ProviderError and never retry on
 * their own: the retry policy in app/integrations/provider-retry-policy.ts
 * decides, from `retryable` and `retryAfterMs`.
 */
export type ProviderErrorKind =
  /** 401: refresh the token once and retry. */
  | "unauthorized"
  /** invalid_grant: the user revoked access; mark the integration "reauthorization required". */
  | "invalid_grant"
  /** 403 other than throttling: missing scope or access. */
  | "forbidden"
  | "not_found"
  /** 429 or throttling 403/503; retryAfterMs from Retry-After when given. */
  | "rate_limited"
  /** 5xx, timeouts, connection errors. */
  | "unavailable"
  /** 409 duplicate on an idempotent insert. */
  | "conflict"
  /** 412: the If-Match etag is no longer the resource's (it changed at the provider). */
  | "precondition_failed"
  | "bad_request";

export class ProviderError extends Error {
  override name = "ProviderError";
  constructor(
    readonly provider: string,
    readonly kind: ProviderErrorKind,
    message: string,
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(`${provider}: ${message}`);
  }

  get retryable(): boolean {
    return this.kind === "rate_limited" || this.kind === "unavailable";
  }
}
