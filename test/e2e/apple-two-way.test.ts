import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AppointmentService, ProviderSyncStatus } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { CalendarService } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { SyncService, SyncStatus, SyncType } from "../../gen/universalcalendar/v1/sync_pb.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, connectTransport, grpcTransport, serviceKey } from "../support/clients.js";
import { startRadicale, type RadicaleServer } from "../support/radicale.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";
import { createDatabaseBeside, type TestDatabase } from "../support/test-database.js";
import { startThrottlingProxy, type ThrottlingProxy } from "../support/throttling-proxy.js";

const DAY = 86_400_000;
/** A whole hour some days ahead, inside the sync window. */
const at = (days: number, hour: number) => {
  const d = new Date(Date.now() + days * DAY);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
};
const hourAfter = (iso: string) => new Date(Date.parse(iso) + 3_600_000).toISOString();
const stamp = (iso: string) => iso.replace(/[-:]/g, "").replace(/\.\d{3}/, "");

let radicale: RadicaleServer;
let proxy: ThrottlingProxy;
let server: TestServer;

/** Its own database (see createDatabaseBeside): its deliveries are its own servers'. */
let database: TestDatabase;

beforeAll(async () => {
  database = await createDatabaseBeside(inject("databaseUrl"));
  radicale = await startRadicale({ username: "crew@twoway.example", password: "abcd-efgh-ijkl-mnop" });
  proxy = await startThrottlingProxy(radicale.baseUrl);
  server = await startTestServer({
    databaseUrl: database.url,
    env: {
      APPLE_CALDAV_URL: proxy.baseUrl,
      // Everything goes through the outbox worker, not the fast path.
      FAST_PATH_BUDGET_MS: "0",
      OUTBOX_CLAIM_SECONDS: "2",
      OUTBOX_RETRY_BASE_DELAY_MS: "50",
      APPLE_WRITES_PER_SECOND_PER_ACCOUNT: "1000",
    },
  });
});
afterAll(async () => {
  await server?.close();
  await proxy?.close();
  await radicale?.stop();
  await database?.drop();
});

const syncClient = () => client(SyncService, grpcTransport(server.baseUrl, serviceKey));
async function sync(tenantId: string) {
  const { syncId } = await syncClient().triggerSync({ tenantId, provider: Provider.APPLE, type: SyncType.INCREMENTAL });
  for (;;) {
    const { job } = await syncClient().getSyncStatus({ syncId });
    if (job && (job.status === SyncStatus.SUCCEEDED || job.status === SyncStatus.FAILED)) return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const appointments = () => client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));
const read = async (id: string) => (await appointments().getAppointment({ id })).appointment!;
const resourceOf = (id: string) => `${radicale.calendarUrl}${encodeURIComponent(`${id}@universal-calendar`)}.ics`;

/** Every VEVENT in the calendar collection (Radicale answers GET on a collection with all of it). */
async function veventsOf(id: string): Promise<string[]> {
  const all = await (await radicale.request("GET", radicale.calendarUrl)).text();
  return all.split("BEGIN:VEVENT").filter((block) => block.includes(id));
}

async function connectedTenant(): Promise<string> {
  const tenantId = newTenantId();
  const calendars = client(CalendarService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
  const connected = await calendars.connectCalendar({
    tenantId,
    provider: Provider.APPLE,
    appleCredentials: { appleId: radicale.username, appSpecificPassword: radicale.password },
  });
  expect(connected.connected).toBe(true);
  expect((await sync(tenantId)).status).toBe(SyncStatus.SUCCEEDED);
  return tenantId;
}

async function book(tenantId: string, start: string): Promise<string> {
  const res = await appointments().createAppointment(appointmentRequest(tenantId, start, hourAfter(start)));
  const id = res.appointment!.id;
  await expect.poll(async () => (await read(id)).syncStatus, { timeout: 20_000 }).toBe(ProviderSyncStatus.SYNCED);
  return id;
}

describe("two-way sync with CalDAV (real Radicale) through the outbox", () => {
  it("writes a booking once when the PUT's answer is lost (If-None-Match); an update and a cancel follow in order", async () => {
    const tenantId = await connectedTenant();
    proxy.loseAnswersOfNext("PUT", 1);
    const start = at(3, 15);
    const id = await book(tenantId, start);
    const [event, ...more] = await veventsOf(id);
    expect(more).toHaveLength(0);
    expect(event).toContain(`UID:${id}@universal-calendar`);
    expect(event).toContain(`X-UNIVERSAL-CALENDAR-APPOINTMENT-ID:${id}`);
    expect(event).toContain(`DTSTART:${stamp(start)}`);

    const jwtClient = client(AppointmentService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    const moved = at(3, 18);
    const times = appointmentRequest(tenantId, moved, hourAfter(moved));
    await jwtClient.updateAppointment({ id, startTime: times.startTime, endTime: times.endTime });
    await expect.poll(async () => (await veventsOf(id))[0], { timeout: 20_000 }).toContain(`DTSTART:${stamp(moved)}`);
    await jwtClient.cancelAppointment({ id });
    await expect
      .poll(async () => (await radicale.request("GET", resourceOf(id))).status, { timeout: 20_000 })
      .toBe(404);
    // Nothing written after the delete brings it back.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await veventsOf(id)).toHaveLength(0);
  });

  it("brings back a move made by another CalDAV client, by our UID and X- property", async () => {
    const tenantId = await connectedTenant();
    const start = at(4, 9);
    const id = await book(tenantId, start);
    const original = await (await radicale.request("GET", resourceOf(id))).text();
    const movedTo = at(4, 13);
    const edited = original
      .replace(`DTSTART:${stamp(start)}`, `DTSTART:${stamp(movedTo)}`)
      .replace(`DTEND:${stamp(hourAfter(start))}`, `DTEND:${stamp(hourAfter(movedTo))}`);
    expect(edited).not.toBe(original);
    const put = await radicale.request("PUT", resourceOf(id), edited, { "content-type": "text/calendar" });
    expect([201, 204]).toContain(put.status);

    expect((await sync(tenantId)).status).toBe(SyncStatus.SUCCEEDED);
    expect((await read(id)).startTime?.seconds).toBe(BigInt(Date.parse(movedTo) / 1000));
    expect(await veventsOf(id)).toHaveLength(1);
  });
});
