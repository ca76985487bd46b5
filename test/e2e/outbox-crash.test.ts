import { afterEach, beforeAll, afterAll, describe, expect, inject, it } from "vitest";
import pg from "pg";
import { AppointmentService } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { googleEventIdFor } from "../../src/providers/calendar/google/google-event-mapping.js";
import { GoogleCalendarFake } from "../fakes/google/google-calendar-fake.js";
import { connectGoogle, waitForSync } from "../fakes/google/google-oauth-flow.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, grpcTransport, serviceKey } from "../support/clients.js";
import { startServiceProcess, untilReady, type ServiceProcess } from "../support/service-process.js";
import { createDatabaseBeside, type TestDatabase } from "../support/test-database.js";
import { newTenantId, TEST_JWT_SECRET, TEST_SERVICE_KEY, type TestServer } from "../support/test-server.js";

let fake: GoogleCalendarFake;
const running: ServiceProcess[] = [];
/** Its own database (see createDatabaseBeside): its deliveries are its own processes'. */
let database: TestDatabase;

beforeAll(async () => {
  database = await createDatabaseBeside(inject("databaseUrl"));
  fake = await GoogleCalendarFake.start();
});
afterEach(() => {
  for (const service of running.splice(0)) if (service.child.exitCode === null) service.child.kill("SIGKILL");
});
afterAll(async () => {
  await fake?.close();
  await database?.drop();
});

async function service(): Promise<ServiceProcess> {
  const started = await startServiceProcess({
    ...fake.env(),
    DATABASE_URL: database.url,
    INTERNAL_SERVICE_KEY: TEST_SERVICE_KEY,
    JWT_SECRET: TEST_JWT_SECRET,
    TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 3).toString("base64"),
    OUTBOX_CLAIM_SECONDS: "2",
    OUTBOX_RETRY_BASE_DELAY_MS: "50",
  });
  running.push(started);
  await untilReady(started);
  return started;
}

describe("a worker killed between the provider's success and its bookkeeping", () => {
  it("leaves exactly one event: the next process finds it (409 duplicate) and records it", async () => {
    const first = await service();
    const tenantId = newTenantId();
    const email = `crash-${tenantId}@example.test`;
    fake.addAccount(email);
    fake.loginAs(email);
    const asServer = { baseUrl: first.baseUrl } as TestServer;
    const connected = await connectGoogle(asServer, tenantId);
    await waitForSync(asServer, connected.syncId);

    // The event is stored at Google; before Google's answer reaches the service, the service dies.
    fake.beforeWriteAnswer = async (write) => {
      if (write.method !== "POST") return;
      fake.beforeWriteAnswer = undefined;
      first.child.kill("SIGKILL");
      await first.exited;
    };
    const start = new Date(Date.now() + 3 * 86_400_000);
    start.setUTCHours(15, 0, 0, 0);
    const booking = client(AppointmentService, grpcTransport(first.baseUrl, serviceKey)).createAppointment(
      appointmentRequest(tenantId, start.toISOString(), new Date(start.getTime() + 3_600_000).toISOString()),
    );
    await expect(booking).rejects.toThrow();
    expect(await first.exited).not.toBe(0);

    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ id: string; sync_status: string }>(
        "select id::text as id, sync_status from appointments where tenant_id = $1",
        [tenantId],
      );
      expect(rows).toHaveLength(1);
      const id = rows[0]!.id;
      const eventId = googleEventIdFor(id);
      expect(rows[0]!.sync_status).toBe("pending");
      expect(fake.eventsOf(email, email).filter((e) => e.id === eventId)).toHaveLength(1);

      await service();
      await expect
        .poll(
          async () =>
            (await db.query<{ sync_status: string }>("select sync_status from appointments where id = $1", [id]))
              .rows[0]?.sync_status,
          { timeout: 60_000, interval: 250 },
        )
        .toBe("synced");
      expect(fake.eventsOf(email, email).filter((e) => e.id === eventId)).toHaveLength(1);
      const inserts = fake.requests.filter(
        (r) => r.method === "POST" && r.path.endsWith("/events") && r.status !== undefined,
      );
      expect(inserts.filter((r) => r.status === 409).length).toBeGreaterThanOrEqual(1);
      const mapped = await db.query(
        "select provider_event_id from appointment_calendar_events where appointment_id = $1",
        [id],
      );
      expect(mapped.rows).toEqual([{ provider_event_id: eventId }]);
    } finally {
      await db.end();
    }
  }, 180_000);
});
