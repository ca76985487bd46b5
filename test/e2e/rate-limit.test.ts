import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { AvailabilityService } from "../../gen/universalcalendar/v1/availability_pb.js";
import { client, grpcTransport, connectTransport, serviceKey, type Credentials } from "../support/clients.js";
import { errorOf } from "../support/errors.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

const WINDOW_MS = 5_000;
const TENANT_LIMIT = 5;
const SERVICE_KEY_LIMIT = 8;

let instanceA: TestServer;
let instanceB: TestServer;

beforeAll(async () => {
  const env = {
    RATE_LIMIT_WINDOW_MS: String(WINDOW_MS),
    RATE_LIMIT_MAX_REQUESTS: String(TENANT_LIMIT),
    RATE_LIMIT_SERVICE_KEY_MAX_REQUESTS: String(SERVICE_KEY_LIMIT),
  };
  [instanceA, instanceB] = await Promise.all([startTestServer({ env }), startTestServer({ env })]);
});
afterAll(async () => {
  await Promise.all([instanceA?.close(), instanceB?.close()]);
});

/** Instance A for even calls, B for odd ones: the limit is shared, not per process. */
function alternating(credentials: Credentials) {
  const clients = [instanceA, instanceB].map((s) => client(AvailabilityService, grpcTransport(s.baseUrl, credentials)));
  return (i: number) => clients[i % 2]!;
}

/** Milliseconds since the current window started, on the database's clock (the one windows use). */
async function intoWindow(): Promise<number> {
  const [row] = await instanceA.orm.em
    .fork()
    .execute<{ ms: string }[]>(`select (extract(epoch from now()) * 1000)::bigint % ? as ms`, [WINDOW_MS]);
  return Number(row!.ms);
}

/** Sleeps into the start of the next window, so a test's calls all fall in one window. */
async function startOfNextWindow(): Promise<void> {
  const wait = WINDOW_MS - (await intoWindow()) + 50;
  await new Promise((resolve) => setTimeout(resolve, wait));
}

describe("rate limits shared by two instances", () => {
  it("limits a JWT tenant and each service credential per tenant, across instances, until the window resets", async () => {
    const tenantId = newTenantId();
    const otherTenant = newTenantId();
    const jwt = alternating({ jwt: await mintJwt(tenantId) });
    const key = alternating(serviceKey);
    await startOfNextWindow();
    const windowStartedAt = Date.now();

    for (let i = 0; i < TENANT_LIMIT; i++) await jwt(i).getSchedulingRules({});
    for (const i of [TENANT_LIMIT, TENANT_LIMIT + 1]) {
      const error = await errorOf(jwt(i).getSchedulingRules({}));
      expect(error.code, `call ${i + 1} on instance ${i % 2 ? "B" : "A"}`).toBe(Code.ResourceExhausted);
      expect(error.rawMessage).toMatch(/retry in [1-5]s/);
      expect(Number(error.metadata.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }

    // Another tenant, and the service key for the same tenant, have budgets of their own.
    await alternating({ jwt: await mintJwt(otherTenant) })(1).getSchedulingRules({});
    for (let i = 0; i < SERVICE_KEY_LIMIT; i++) await key(i).getSchedulingRules({ tenantId });
    expect((await errorOf(key(SERVICE_KEY_LIMIT).getSchedulingRules({ tenantId }))).code).toBe(Code.ResourceExhausted);
    await key(0).getSchedulingRules({ tenantId: otherTenant });
    expect(Date.now() - windowStartedAt, "all calls above fell in one window").toBeLessThan(WINDOW_MS - 100);

    await startOfNextWindow();
    await jwt(0).getSchedulingRules({});
    await key(1).getSchedulingRules({ tenantId });
  });

  it("never limits health checks", async () => {
    const health = client(Health, connectTransport(instanceB.baseUrl));
    for (let i = 0; i < TENANT_LIMIT + SERVICE_KEY_LIMIT + 2; i++) await health.check({});
  });

  it("prunes counters of windows that have ended", async () => {
    const em = instanceA.orm.em.fork();
    await em.execute(
      `insert into rate_limit_counters (bucket_key, window_start, count) values (?, now() - interval '1 hour', 1)`,
      [`tenant:${newTenantId()}`],
    );
    const calls = alternating({ jwt: await mintJwt(newTenantId()) });
    let call = 0;
    // Each instance prunes at most once per window, in the background of a counted call.
    await expect
      .poll(
        async () => {
          await calls(call++).getSchedulingRules({});
          const [row] = await em.execute<{ n: string }[]>(
            `select count(*) as n from rate_limit_counters where window_start < now() - interval '1 minute'`,
          );
          return Number(row!.n);
        },
        { timeout: 3 * WINDOW_MS, interval: 500 },
      )
      .toBe(0);
  });
});
