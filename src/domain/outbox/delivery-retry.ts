/** How a failed delivery attempt is judged: what the deliverer knows of the failure. */
export interface DeliveryFailure {
  /** Could a later attempt succeed (throttling, outage, timeout)? */
  transient: boolean;
  /** The provider's Retry-After, when it sent one. */
  retryAfterMs?: number;
  reason: string;
}

export interface RetryLimits {
  /** Attempts in all for transient failures. */
  maxAttempts: number;
  /** Attempts in all for failures that should not succeed later (revoked access, calendar gone). */
  maxPermanentAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_LIMITS: RetryLimits = {
  maxAttempts: 10,
  maxPermanentAttempts: 3,
  baseDelayMs: 1_000,
  maxDelayMs: 15 * 60_000,
};

export type RetryDecision = { kind: "retry"; delayMs: number } | { kind: "give_up"; reason: string };

/**
 * After `attempts` attempts (this one included): wait what Retry-After asks
 * (throttling), else back off exponentially with jitter (half the step fixed, half random) (Google often
 * throttles without Retry-After); give up after the bounded number of tries.
 * Permanent failures get a few tries too: a calendar that answers 404 once
 * may be a provider hiccup, three times is not.
 */
export function decideRetry(
  failure: DeliveryFailure,
  attempts: number,
  limits: RetryLimits,
  random: () => number = Math.random,
): RetryDecision {
  const limit = failure.transient ? limits.maxAttempts : limits.maxPermanentAttempts;
  if (attempts >= limit) return { kind: "give_up", reason: failure.reason };
  if (failure.retryAfterMs !== undefined)
    return { kind: "retry", delayMs: Math.min(failure.retryAfterMs, limits.maxDelayMs) };
  const ceiling = Math.min(limits.maxDelayMs, limits.baseDelayMs * 2 ** Math.max(0, attempts - 1));
  return { kind: "retry", delayMs: Math.round(ceiling / 2 + (random() * ceiling) / 2) };
}
