import { createHash } from "node:crypto";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { RateLimitStore } from "../../db/rate-limit-counters.js";
import { callerKey } from "../../auth/caller-context.js";
import type { Logger } from "../../logger.js";

export interface RateLimitSettings {
  windowMs: number;
  /** Per tenant, for tenant (JWT) callers. */
  maxRequests: number;
  /** Per service credential and tenant addressed, for service-key callers. */
  serviceKeyMaxRequests: number;
}

/** Bucket for service-key calls that name no tenant (lookups by id, sync status). */
const NO_TENANT = "-";
const MAX_TENANT_KEY_LENGTH = 255;

/**
 * Names a service key in bucket keys (and so in the database) without
 * revealing it. Only keys auth accepted get here (one, today): the last
 * one's name is kept rather than hashed again on every call.
 */
function credentialNamer(): (serviceKey: string) => string {
  let lastKey: string | undefined;
  let lastId = "";
  return (serviceKey) => {
    if (serviceKey !== lastKey) {
      lastId = createHash("sha256").update(serviceKey).digest("hex").slice(0, 16);
      lastKey = serviceKey;
    }
    return lastId;
  };
}

/**
 * Fixed-window limits counted in the database, so the limit holds across
 * all instances together (within the small tolerance RateLimitCounters
 * documents: counts are batched every few ms). Buckets:
 * - a tenant (JWT) caller: `tenant:<tenantId>`, RATE_LIMIT_MAX_REQUESTS;
 * - a service-key caller: `service:<credential id>:<tenant the request
 *   names>`, RATE_LIMIT_SERVICE_KEY_MAX_REQUESTS. Per credential so that each
 *   key has its own budget, and per tenant because one key serves every
 *   tenant: one business's burst must not lock the others out. Calls that
 *   name no tenant share the key's `-` bucket.
 * Calls without a caller (health, reflection) are never limited.
 *
 * If the counter store fails (the database is down), the call goes through
 * unlimited: rate limiting fails open, and the RPC itself then reports the
 * database as unavailable if it needs it.
 */
export function createRateLimitInterceptor(
  settings: RateLimitSettings,
  store: RateLimitStore,
  logger: Logger,
): Interceptor {
  let lastWarnedAt = 0;
  const credentialIdOf = credentialNamer();
  return (next) => async (req) => {
    const caller = req.contextValues.get(callerKey);
    if (!caller) return next(req);
    let bucketKey: string;
    let limit: number;
    if (caller.kind === "tenant") {
      bucketKey = `tenant:${caller.tenantId}`;
      limit = settings.maxRequests;
    } else {
      const named =
        !req.stream && "tenantId" in req.method.input.field
          ? (req.message as { tenantId?: unknown }).tenantId
          : undefined;
      const tenant = typeof named === "string" && named !== "" ? named.slice(0, MAX_TENANT_KEY_LENGTH) : NO_TENANT;
      bucketKey = `service:${credentialIdOf(req.header.get("x-service-key") ?? "")}:${tenant}`;
      limit = settings.serviceKeyMaxRequests;
    }

    let counted;
    try {
      counted = await store.count(bucketKey, limit);
    } catch (error) {
      if (Date.now() - lastWarnedAt > settings.windowMs) {
        lastWarnedAt = Date.now();
        logger.warn({ error: (error as Error).message }, "rate-limit counters unavailable: calls are not limited");
      }
      return next(req);
    }
    if (counted.count > limit) {
      throw new ConnectError(
        `rate limit of ${limit} requests per ${settings.windowMs / 1000}s exceeded; retry in ${counted.retryAfterSeconds}s`,
        Code.ResourceExhausted,
        { "retry-after": String(counted.retryAfterSeconds) },
      );
    }
    return next(req);
  };
}
