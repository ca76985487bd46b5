import { Code, ConnectError, createClient, createRouterTransport, type Interceptor } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AvailabilityService } from "../../gen/universalcalendar/v1/availability_pb.js";
import { SyncService, SyncType } from "../../gen/universalcalendar/v1/sync_pb.js";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { createAuthInterceptor } from "../../src/auth/interceptor.js";
import { DatabaseHealth } from "../../src/db/database-health.js";
import { openDatabase, type MikroORM } from "../../src/db/orm.js";
import { createLogger } from "../../src/logger.js";
import { createErrorMappingInterceptor } from "../../src/rpc/interceptors/error-mapping.js";
import { registerRoutes } from "../../src/rpc/routes.js";
import { RecordingJobQueue, testAppContext } from "../support/test-context.js";
import { newTenantId, testConfig, TEST_SERVICE_KEY } from "../support/test-server.js";

/**
 * Handlers through connect's in-memory router transport, on a test
 * AppContext (real database, jobs recorded instead of run): no port, no
 * pg-boss, the same routes and error mapping as the server.
 */
let orm: MikroORM;
const jobs = new RecordingJobQueue();
let transport: ReturnType<typeof createRouterTransport>;

const withServiceKey: Interceptor = (next) => (req) => {
  req.header.set("x-service-key", TEST_SERVICE_KEY);
  return next(req);
};

beforeAll(async () => {
  orm = await openDatabase(inject("databaseUrl"));
  const config = testConfig();
  const logger = createLogger("silent");
  const app = testAppContext({ orm, config, jobs });
  transport = createRouterTransport(
    (router) => registerRoutes(router, { app, config, logger, databaseHealth: new DatabaseHealth(orm) }),
    {
      router: { interceptors: [createErrorMappingInterceptor(logger), createAuthInterceptor(config)] },
      transport: { interceptors: [withServiceKey] },
    },
  );
});
afterAll(() => orm?.close());

describe("handlers on a test AppContext", () => {
  it("round-trips scheduling rules through the use cases", async () => {
    const availability = createClient(AvailabilityService, transport);
    const tenantId = newTenantId();
    const before = await availability.getSchedulingRules({ tenantId });
    expect(before.isDefault).toBe(true);
    if (!before.rules) throw new Error("no rules");
    before.rules.slotIntervalMinutes = 45;
    const updated = await availability.updateSchedulingRules({
      tenantId,
      rules: before.rules,
      updateMask: { paths: ["slotIntervalMinutes"] },
    });
    expect(updated.rules?.slotIntervalMinutes).toBe(45);
    const after = await availability.getSchedulingRules({ tenantId });
    expect(after).toMatchObject({ isDefault: false, rules: { slotIntervalMinutes: 45 } });
  });

  it("maps an unknown update_mask path to invalid_argument naming update_mask, changing nothing", async () => {
    const availability = createClient(AvailabilityService, transport);
    const tenantId = newTenantId();
    const before = await availability.getSchedulingRules({ tenantId });
    const error = await availability
      .updateSchedulingRules({
        tenantId,
        rules: before.rules,
        updateMask: { paths: ["slot_interval_minutes", "colour"] },
      })
      .catch((e: unknown) => ConnectError.from(e));
    expect(error).toMatchObject({ code: Code.InvalidArgument });
    expect((error as ConnectError).rawMessage).toMatch(/^update_mask: unknown field "colour"/);
    expect((await availability.getSchedulingRules({ tenantId })).isDefault).toBe(true);
  });

  it("answers a tenant scope failure from the domain as its Connect code", async () => {
    const availability = createClient(AvailabilityService, transport);
    const error = await availability.getSchedulingRules({ tenantId: "" }).catch((e: unknown) => ConnectError.from(e));
    expect(error).toMatchObject({ code: Code.InvalidArgument, rawMessage: "tenant_id: required" });
  });

  it("refuses TriggerSync for a tenant without a calendar and queues nothing", async () => {
    const sync = createClient(SyncService, transport);
    const error = await sync
      .triggerSync({ tenantId: newTenantId(), provider: Provider.GOOGLE, type: SyncType.FULL })
      .catch((e: unknown) => ConnectError.from(e));
    expect(error).toMatchObject({ code: Code.FailedPrecondition });
    expect(jobs.sent).toEqual([]);
  });
});
