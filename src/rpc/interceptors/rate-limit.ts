import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { callerKey } from "../../auth/caller-context.js";

export interface RateLimitSettings {
  windowMs: number;
  maxRequests: number;
}

/**
 * Fixed-window limit per tenant for JWT (browser) callers; internal services
 * with the service key are trusted and not limited. Per process: with several
 * instances each enforces its own share.
 */
export function createRateLimitInterceptor(settings: RateLimitSettings, now: () => number = Date.now): Interceptor {
  let windowStart = now();
  let counts = new Map<string, number>();
  return (next) => async (req) => {
    const caller = req.contextValues.get(callerKey);
    if (caller?.kind !== "tenant") return next(req);
    const time = now();
    if (time - windowStart >= settings.windowMs) {
      windowStart = time;
      counts = new Map();
    }
    const count = (counts.get(caller.tenantId) ?? 0) + 1;
    counts.set(caller.tenantId, count);
    if (count > settings.maxRequests) {
      const retryAfterSeconds = Math.ceil((windowStart + settings.windowMs - time) / 1000);
      throw new ConnectError(
        `rate limit of ${settings.maxRequests} requests per ${settings.windowMs / 1000}s exceeded; retry in ${retryAfterSeconds}s`,
        Code.ResourceExhausted,
      );
    }
    return next(req);
  };
}
