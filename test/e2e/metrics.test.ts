import { randomUUID } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AppointmentService } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { JobRuntime } from "../../src/jobs/queue.js";
import { createLogger } from "../../src/logger.js";
import { GoogleCalendarFake } from "../fakes/google/google-calendar-fake.js";
import { codeOf, connectGoogle, waitForSync } from "../fakes/google/google-oauth-flow.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, connectTransport, serviceKey } from "../support/clients.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

let fake: GoogleCalendarFake;
let server: TestServer;
const JWT_LIMIT = 5;

beforeAll(async () => {
  fake = await GoogleCalendarFake.start();
  server = await startTestServer({ env: { ...fake.env(), RATE_LIMIT_MAX_REQUESTS: String(JWT_LIMIT) } });
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
});

/** The value of one sample of the exposition, e.g. sample(text, 'x_total{a="b"}'); undefined when absent. */
function sample(exposition: string, series: string): number | undefined {
  const line = exposition.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const hour = (days: number, h: number) => {
  const d = new Date(Date.now() + days * 86_400_000);
  d.setUTCHours(h, 0, 0, 0);
  return d.toISOString();
};

describe("GET /metrics", () => {
  it("exposes RPC, database, queue, outbox, sync, provider, rate-limit, push-channel and process series after a workload", async () => {
    // Workload: a Google connection and its full sync, a booking, a bad booking, a tenant over its limit, a push channel.
    const tenantId = newTenantId();
    const email = `metrics-${tenantId}@example.test`;
    fake.addAccount(email);
    fake.loginAs(email);
    const connected = await connectGoogle(server, tenantId);
    await waitForSync(server, connected.syncId);

    const appointments = client(AppointmentService, connectTransport(server.baseUrl, serviceKey));
    const booked = await appointments.createAppointment(appointmentRequest(tenantId, hour(3, 15), hour(3, 16)));
    expect(booked.created).toBe(true);
    expect(await codeOf(appointments.createAppointment(appointmentRequest(tenantId, hour(3, 18), hour(3, 17))))).toBe(
      Code.InvalidArgument,
    );

    const flooder = newTenantId();
    const asTenant = client(AppointmentService, connectTransport(server.baseUrl, { jwt: await mintJwt(flooder) }));
    const codes = await Promise.all(
      Array.from({ length: JWT_LIMIT + 3 }, () => codeOf(asTenant.listAppointments({ tenantId: flooder }))),
    );
    expect(codes.filter((code) => code === "ok")).toHaveLength(JWT_LIMIT);

    await server.orm.em
      .fork()
      .getConnection()
      .execute(
        "insert into webhook_channels (tenant_id, integration_id, provider, channel_id, expires_at) values (?, ?, 'google', ?, now() - interval '1 minute')",
        [tenantId, connected.integration.id, `channel-${randomUUID()}`],
      );

    // A message another worker holds (its lease runs for an hour): undelivered, and a minute old.
    await server.orm.em
      .fork()
      .getConnection()
      .execute(
        `insert into outbox (tenant_id, topic, aggregate_id, payload, created_at, claimed_until)
         values (?, 'appointment.created', ?, '{}'::jsonb, now() - interval '1 minute', now() + interval '1 hour')`,
        [tenantId, randomUUID()],
      );

    const res = await fetch(`${server.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    const text = await res.text();

    const create = 'method="AppointmentService/CreateAppointment"';
    expect(sample(text, `ucal_rpc_requests_total{${create},code="ok"}`)).toBeGreaterThanOrEqual(1);
    expect(sample(text, `ucal_rpc_requests_total{${create},code="invalid_argument"}`)).toBe(1);
    expect(sample(text, `ucal_rpc_duration_seconds_count{${create},code="ok"}`)).toBeGreaterThanOrEqual(1);
    expect(sample(text, `ucal_rpc_duration_seconds_bucket{le="+Inf",${create},code="ok"}`)).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'ucal_rpc_requests_total{method="AppointmentService/ListAppointments",code="resource_exhausted"}'),
    ).toBe(3);
    expect(sample(text, 'ucal_rate_limit_refusals_total{caller="tenant"}')).toBe(3);

    expect(
      sample(text, 'ucal_sync_duration_seconds_count{provider="google",outcome="succeeded"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ucal_provider_http_requests_total{provider="google",status="200"}')).toBeGreaterThanOrEqual(2);

    expect(sample(text, "ucal_db_pool_max_connections")).toBe(20);
    expect(sample(text, 'ucal_db_pool_connections{state="used"}')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'ucal_db_pool_connections{state="idle"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'ucal_job_queue_jobs{queue="calendar-sync",state="waiting"}')).toBe(0);
    expect(sample(text, 'ucal_job_queue_jobs{queue="calendar-sync",state="active"}')).toBe(0);
    expect(sample(text, 'ucal_job_queue_oldest_waiting_seconds{queue="calendar-sync"}')).toBe(0);
    // The held message is still waiting.
    expect(sample(text, "ucal_outbox_undelivered_messages")).toBeGreaterThanOrEqual(1);
    expect(sample(text, "ucal_outbox_oldest_undelivered_seconds")).toBeGreaterThan(0);
    expect(sample(text, 'ucal_push_channels{provider="google",state="expired"}')).toBeGreaterThanOrEqual(1);

    expect(sample(text, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    expect(text).toContain("nodejs_eventloop_lag_seconds");
    expect(sample(text, "ucal_metrics_scrape_errors_total")).toBe(0);
  });

  it("reads the depth of each queue and the age of its oldest waiting job", async () => {
    const runtime = await JobRuntime.start({
      databaseUrl: inject("databaseUrl"),
      logger: createLogger("silent"),
      schema: `pgboss_${randomUUID().replace(/-/g, "").slice(0, 12)}`,
    });
    try {
      // No workers on this runtime: both jobs wait.
      await runtime.send("calendar-sync", { syncJobId: randomUUID() });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await runtime.send("calendar-sync", { syncJobId: randomUUID() });
      const [stats] = await runtime.stats();
      expect(stats).toMatchObject({ queue: "calendar-sync", waiting: 2, active: 0 });
      expect(stats?.oldestWaitingSeconds).toBeGreaterThanOrEqual(1);
      expect(stats?.oldestWaitingSeconds).toBeLessThan(60);
    } finally {
      await runtime.stop();
    }
  });
});
