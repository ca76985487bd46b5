import { DelegateBackoff, handleWhen, retry, type RetryPolicy } from "cockatiel";
import { ProviderError } from "../../providers/kit/provider-error.js";

export interface RetrySettings {
  /** Calls in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_SETTINGS: RetrySettings = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 30_000 };

/**
 * The one retry policy for provider calls (the client libraries' own retries
 * are off). Throttling (429, throttling 403/503) waits what Retry-After asks;
 * other 5xx and timeouts back off exponentially with full jitter. Both are
 * bounded: at most maxAttempts calls and maxDelayMs per wait. Anything else
 * (401, 403, 404, invalid_grant) is not retried here.
 */
export function providerRetryPolicy(settings: RetrySettings = DEFAULT_RETRY_SETTINGS): RetryPolicy {
  return retry(
    handleWhen((error) => error instanceof ProviderError && error.retryable),
    {
      maxAttempts: settings.maxAttempts - 1,
      backoff: new DelegateBackoff((context) => {
        const error = "error" in context.result ? context.result.error : undefined;
        if (error instanceof ProviderError && error.retryAfterMs !== undefined)
          return Math.min(error.retryAfterMs, settings.maxDelayMs);
        const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (context.attempt - 1));
        return Math.round(Math.random() * ceiling);
      }),
    },
  );
}
