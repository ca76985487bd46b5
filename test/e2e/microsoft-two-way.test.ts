import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AppointmentService, ProviderSyncStatus } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { CalendarService } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { SyncService, SyncStatus, SyncType } from "../../gen/universalcalendar/v1/sync_pb.js";
import { startGraphFake, type GraphFake } from "../fakes/microsoft-graph/graph-fake.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, connectTransport, grpcTransport, serviceKey } from "../support/clients.js";
import { createDatabaseBeside, type TestDatabase } from "../support/test-database.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

const DAY = 86_400_000;
/** A whole hour some days ahead, inside the sync window. */
const at = (days: number, hour: number) => {
  const d = new Date(Date.now() + days * DAY);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
};
const hourAfter = (iso: string) => new Date(Date.parse(iso) + 3_600_000).toISOString();

let fake: GraphFake;
let server: TestServer;

/** Its own database (see createDatabaseBeside): its deliveries are its own servers'. */
let database: TestDatabase;

beforeAll(async () => {
  database = await createDatabaseBeside(inject("databaseUrl"));
  fake = await startGraphFake({ tlsDir: inject("testTlsDir"), email: "dispatch@twoway.example" });
  server = await startTestServer({
    databaseUrl: database.url,
    env: {
      MICROSOFT_CLIENT_ID: fake.clientId,
      MICROSOFT_CLIENT_SECRET: fake.clientSecret,
      MICROSOFT_OAUTH_BASE_URL: fake.oauthBaseUrl,
      MICROSOFT_GRAPH_BASE_URL: fake.baseUrl,
      OAUTH_REDIRECT_URI: "https://app.example.test/oauth/callback",
      // Everything goes through the outbox worker, not the fast path.
      FAST_PATH_BUDGET_MS: "0",
      OUTBOX_CLAIM_SECONDS: "2",
      OUTBOX_RETRY_BASE_DELAY_MS: "50",
      MICROSOFT_WRITES_PER_SECOND_PER_MAILBOX: "1000",
    },
  });
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
  await database?.drop();
});

const syncClient = () => client(SyncService, grpcTransport(server.baseUrl, serviceKey));

async function sync(tenantId: string) {
  const { syncId } = await syncClient().triggerSync({
    tenantId,
    provider: Provider.MICROSOFT,
    type: SyncType.INCREMENTAL,
  });
  for (;;) {
    const { job } = await syncClient().getSyncStatus({ syncId });
    if (job && (job.status === SyncStatus.SUCCEEDED || job.status === SyncStatus.FAILED)) return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function connectedTenant(): Promise<string> {
  const tenantId = newTenantId();
  const calendars = client(CalendarService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
  const started = await calendars.connectCalendar({ tenantId, provider: Provider.MICROSOFT });
  const callback = new URL((await fetch(started.authorizationUrl, { redirect: "manual" })).headers.get("location")!);
  const completed = await calendars.completeOAuth({
    tenantId,
    provider: Provider.MICROSOFT,
    code: callback.searchParams.get("code")!,
    state: callback.searchParams.get("state")!,
  });
  const { job } = await syncClient().getSyncStatus({ syncId: completed.syncId });
  if (job?.status !== SyncStatus.SUCCEEDED) await sync(tenantId);
  return tenantId;
}

const appointments = () => client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));
const read = async (id: string) => (await appointments().getAppointment({ id })).appointment!;
/** Events in the mailbox carrying an appointment id in our single-value extended property. */
const eventsOf = (appointmentId: string) =>
  fake.eventsOf(fake.defaultCalendarId).filter((e) => Object.values(e.extendedProperties).includes(appointmentId));

async function book(tenantId: string, start: string): Promise<{ id: string; eventId: string }> {
  const res = await appointments().createAppointment(appointmentRequest(tenantId, start, hourAfter(start)));
  const id = res.appointment!.id;
  await expect.poll(async () => (await read(id)).syncStatus, { timeout: 20_000 }).toBe(ProviderSyncStatus.SYNCED);
  const events = eventsOf(id);
  expect(events).toHaveLength(1);
  return { id, eventId: events[0]!.id };
}

describe("two-way sync with Microsoft Graph through the outbox", () => {
  it("writes a booking once (transactionId) under throttling; an update and a cancel follow in order", async () => {
    const tenantId = await connectedTenant();
    fake.throttleNext(2, 1);
    const { id, eventId } = await book(tenantId, at(3, 15));
    const event = fake.getEvent(eventId)!;
    expect(event).toMatchObject({ subject: "Fix leaking sink", location: "1 Main St, Springfield" });
    expect(event.transactionId).toBeTruthy();
    expect(event.bodyContent).toContain("+15551234567");

    const jwtClient = client(AppointmentService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    const moved = at(3, 18);
    const times = appointmentRequest(tenantId, moved, hourAfter(moved));
    await jwtClient.updateAppointment({ id, startTime: times.startTime, endTime: times.endTime });
    await expect.poll(() => fake.getEvent(eventId)?.start.toISOString(), { timeout: 20_000 }).toBe(moved);
    await jwtClient.cancelAppointment({ id });
    await expect.poll(() => fake.getEvent(eventId), { timeout: 20_000 }).toBeUndefined();

    const writes = fake.requests
      .filter(
        (r) => /^(POST|PATCH|DELETE) /.test(r) && (r.includes(encodeURIComponent(eventId)) || r.includes(eventId)),
      )
      .map((r) => r.split(" ")[0]);
    expect(writes).toEqual(["PATCH", "DELETE"]);
    expect(eventsOf(id)).toHaveLength(0);
  });

  it("brings back a move made in Outlook, by the stored event id", async () => {
    const tenantId = await connectedTenant();
    const { id, eventId } = await book(tenantId, at(4, 9));
    const movedTo = at(4, 13);
    fake.updateEvent(eventId, { start: new Date(movedTo), end: new Date(hourAfter(movedTo)) });
    expect((await sync(tenantId)).status).toBe(SyncStatus.SUCCEEDED);
    const appointment = await read(id);
    expect(appointment.startTime?.seconds).toBe(BigInt(Date.parse(movedTo) / 1000));
    expect(eventsOf(id)).toHaveLength(1);
  });
});
