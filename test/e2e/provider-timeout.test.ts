import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AppointmentService, ProviderSyncStatus } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { GoogleCalendarFake } from "../fakes/google/google-calendar-fake.js";
import { connectGoogle, waitForSync } from "../fakes/google/google-oauth-flow.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, grpcTransport, serviceKey } from "../support/clients.js";
import { createDatabaseBeside, type TestDatabase } from "../support/test-database.js";
import { newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

const TIMEOUT_MS = 300;
const HANG_MS = 1_500;

let fake: GoogleCalendarFake;
let server: TestServer;

/** Its own database (see createDatabaseBeside): its deliveries are its own servers'. */
let database: TestDatabase;

beforeAll(async () => {
  database = await createDatabaseBeside(inject("databaseUrl"));
  fake = await GoogleCalendarFake.start();
  server = await startTestServer({
    databaseUrl: database.url,
    env: {
      ...fake.env(),
      PROVIDER_REQUEST_TIMEOUT_MS: String(TIMEOUT_MS),
      OUTBOX_CLAIM_SECONDS: "2",
      OUTBOX_RETRY_BASE_DELAY_MS: "50",
      GOOGLE_WRITES_PER_SECOND_PER_USER: "1000",
    },
  });
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
  await database?.drop();
});

describe("provider requests that hang past PROVIDER_REQUEST_TIMEOUT_MS", () => {
  it("are given up, retried with backoff, and leave exactly one event per appointment", async () => {
    const tenantId = newTenantId();
    const email = `hang-${tenantId}@example.test`;
    fake.addAccount(email);
    fake.loginAs(email);
    const connected = await connectGoogle(server, tenantId);
    await waitForSync(server, connected.syncId);

    const hung = 3;
    fake.hangNextEventInserts(hung, HANG_MS);
    const appointments = client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));
    const start = new Date(Date.now() + 3 * 86_400_000);
    start.setUTCHours(15, 0, 0, 0);
    const res = await appointments.createAppointment(
      appointmentRequest(tenantId, start.toISOString(), new Date(start.getTime() + 3_600_000).toISOString()),
    );
    const id = res.appointment!.id;
    const syncStatus = async () => (await appointments.getAppointment({ id })).appointment?.syncStatus;
    await expect.poll(syncStatus, { timeout: 20_000, interval: 100 }).toBe(ProviderSyncStatus.SYNCED);
    // Every hung insert is served eventually (applied or refused as a duplicate): wait them out.
    await new Promise((resolve) => setTimeout(resolve, HANG_MS + 200));

    const inserts = fake.requests.filter((r) => r.method === "POST" && /\/calendars\/[^/]+\/events$/.test(r.path));
    expect(inserts.length).toBeGreaterThan(hung);
    const ours = fake
      .eventsOf(email, email)
      .filter(
        (e) =>
          (e.extendedProperties as { private?: Record<string, string> } | undefined)?.private
            ?.universalCalendarAppointmentId === id,
      );
    expect(ours).toHaveLength(1);
    expect(ours[0]).toMatchObject({ status: "confirmed" });
  });
});
