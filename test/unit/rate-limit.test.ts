import { create } from "@bufbuild/protobuf";
import { Code, createClient, createRouterTransport, type Interceptor } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  AvailabilityService,
  GetSchedulingRulesResponseSchema,
} from "../../gen/universalcalendar/v1/availability_pb.js";
import type { RateLimitStore } from "../../src/db/rate-limit-counters.js";
import { callerKey } from "../../src/auth/caller-context.js";
import type { Caller } from "../../src/domain/caller.js";
import { createLogger } from "../../src/logger.js";
import { createRateLimitInterceptor } from "../../src/rpc/interceptors/rate-limit.js";
import { errorOf } from "../support/errors.js";

const SETTINGS = { windowMs: 60_000, maxRequests: 2, serviceKeyMaxRequests: 3 };
const SERVICE_KEY = "a-service-key-never-stored-0123";

/** The rate-limit interceptor behind a stand-in for the auth interceptor that names the caller. */
function api(caller: Caller | undefined, store: RateLimitStore) {
  const authenticated: Interceptor = (next) => (req) => {
    req.contextValues.set(callerKey, caller);
    return next(req);
  };
  const transport = createRouterTransport(
    (router) =>
      router.service(AvailabilityService, {
        getSchedulingRules: () => create(GetSchedulingRulesResponseSchema, {}),
      }),
    { router: { interceptors: [authenticated, createRateLimitInterceptor(SETTINGS, store, createLogger("silent"))] } },
  );
  return createClient(AvailabilityService, transport);
}

function countingStore(): RateLimitStore & { keys: string[] } {
  const counts = new Map<string, number>();
  const keys: string[] = [];
  return {
    keys,
    async count(bucketKey) {
      keys.push(bucketKey);
      counts.set(bucketKey, (counts.get(bucketKey) ?? 0) + 1);
      return { count: counts.get(bucketKey)!, retryAfterSeconds: 42 };
    },
  };
}

describe("rate-limit interceptor", () => {
  it("buckets a service key by a hash of the key and the tenant the request names, never by the key itself", async () => {
    const store = countingStore();
    const service = api({ kind: "service", keyId: "test" }, store);
    const headers = { "x-service-key": SERVICE_KEY };
    for (let i = 0; i < SETTINGS.serviceKeyMaxRequests; i++)
      await service.getSchedulingRules({ tenantId: "t1" }, { headers });
    const error = await errorOf(service.getSchedulingRules({ tenantId: "t1" }, { headers }));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toBe("rate limit of 3 requests per 60s exceeded; retry in 42s");
    await service.getSchedulingRules({ tenantId: "t2" }, { headers });
    await service.getSchedulingRules({}, { headers });
    expect(new Set(store.keys).size).toBe(3);
    expect(store.keys.at(-1)).toMatch(/^service:[0-9a-f]{16}:-$/);
    expect(store.keys.join(" ")).not.toContain(SERVICE_KEY);
  });

  it("buckets a JWT caller by its tenant, whatever tenant the request names", async () => {
    const store = countingStore();
    const tenant = api({ kind: "tenant", tenantId: "t1", subject: "u1" }, store);
    await tenant.getSchedulingRules({ tenantId: "t1" });
    await tenant.getSchedulingRules({ tenantId: "t2" });
    expect((await errorOf(tenant.getSchedulingRules({}))).code).toBe(Code.ResourceExhausted);
    expect(new Set(store.keys)).toEqual(new Set(["tenant:t1"]));
  });

  it("fails open when the counter store is down, and never counts calls without a caller", async () => {
    const down: RateLimitStore = { count: () => Promise.reject(new Error("connect ECONNREFUSED")) };
    const tenant = api({ kind: "tenant", tenantId: "t1", subject: "u1" }, down);
    for (let i = 0; i < SETTINGS.maxRequests + 3; i++) await tenant.getSchedulingRules({});
    const store = countingStore();
    const open = api(undefined, store);
    for (let i = 0; i < SETTINGS.maxRequests + 3; i++) await open.getSchedulingRules({});
    expect(store.keys).toEqual([]);
  });
});
