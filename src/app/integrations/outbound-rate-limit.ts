import type { ProviderCredentials } from "../../providers/kit/connector.js";
import type { OutboundLimit, Provider } from "../../providers/kit/provider-definition.js";
import { ProviderError } from "../../providers/kit/provider-error.js";

/**
 * The port to outbound request budgets shared by every server instance (one
 * bucket per integration, or per user for calendar providers that limit per
 * user). Implemented over PostgreSQL in src/db/outbound-rate-limits.ts.
 */
export interface OutboundRateLimiter {
  /** Resolves once one more request to the bucket fits its budget; waits, never fails. */
  take(bucketKey: string, limit: OutboundLimit): Promise<void>;
  /** Takes one request's token now if the budget has one; otherwise says how long until it will, and takes nothing. */
  tryTake(bucketKey: string, limit: OutboundLimit): Promise<{ granted: true } | { granted: false; waitMs: number }>;
  /** The provider asked to wait (429 Retry-After, Jobber THROTTLED): no instance sends before `waitMs` from now. */
  holdFor(bucketKey: string, waitMs: number): Promise<void>;
}

/** The longest a provider's own "wait" holds a bucket; a longer ask is still honoured by the retry policy's cap. */
const MAX_HOLD_MS = 5 * 60_000;

export function outboundBucketOf(provider: string, integrationId: string): string {
  return `${provider}:${integrationId}`;
}

/** Calendar providers limit writes per user (Google) or mailbox (Graph): one bucket per provider account. */
export function accountBucketOf(provider: string, accountEmail: string): string {
  return `${provider}:account:${accountEmail.toLowerCase()}`;
}

/**
 * Runs one adapter call under the integration's budget: the adapter paces
 * every HTTP request through the limiter, and a provider's request to wait
 * is recorded for every instance before the failure goes on to the retry
 * policy (which waits it out). Providers without a documented budget run as is.
 */
export async function withOutboundBudget<T>(
  limiter: OutboundRateLimiter,
  integrationId: string,
  credentials: ProviderCredentials,
  provider: Provider,
  call: (credentials: ProviderCredentials, provider: Provider) => Promise<T>,
): Promise<T> {
  const limit = provider.outboundLimit;
  if (!limit) return call(credentials, provider);
  const bucket = outboundBucketOf(provider.name, integrationId);
  try {
    return await call({ ...credentials, pace: () => limiter.take(bucket, limit) }, provider);
  } catch (error) {
    if (error instanceof ProviderError && error.kind === "rate_limited" && error.retryAfterMs) {
      await limiter.holdFor(bucket, Math.min(error.retryAfterMs, MAX_HOLD_MS));
    }
    throw error;
  }
}
