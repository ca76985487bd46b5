import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import {
  AppointmentService,
  AppointmentStatus,
  ProviderSyncStatus,
} from "../../gen/universalcalendar/v1/appointment_pb.js";
import { CalendarService } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { ConflictKind, Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { FieldServiceService } from "../../gen/universalcalendar/v1/field_service_pb.js";
import { SyncService, SyncStatus, SyncType } from "../../gen/universalcalendar/v1/sync_pb.js";
import { TechnicianService } from "../../gen/universalcalendar/v1/technician_pb.js";
import { jobMarkerOf } from "../../src/domain/outbox/job-marker.js";
import { googleEventIdFor } from "../../src/providers/calendar/google/google-event-mapping.js";
import { SCHEDULE_CALENDAR_ID } from "../../src/providers/field-service/field-service-busy-time.js";
import { GoogleCalendarFake } from "../fakes/google/google-calendar-fake.js";
import { connectGoogle, waitForSync } from "../fakes/google/google-oauth-flow.js";
import { HousecallProFake } from "../fakes/housecall-pro/housecall-pro-fake.js";
import { JobberFake } from "../fakes/jobber/jobber-fake.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, connectTransport, grpcTransport, serviceKey } from "../support/clients.js";
import { createDatabaseBeside, type TestDatabase } from "../support/test-database.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";
import { weekdayAt } from "../support/weekdays.js";

/**
 * A technician's appointment reaches the technician: their own connected
 * calendar gets its event (besides the business's receiving calendar), and a
 * job on Jobber / HouseCall Pro carries them on its crew, merged with whoever
 * the business dispatched there (reassigned, the previous one comes off it).
 *
 * Its own database: a server starting elsewhere in the run sweeps every
 * tenant's due outbox rows into its own queue and delivers them through its
 * own fakes (and this server's start does the same to other files' rows).
 */
let database: TestDatabase;
let google: GoogleCalendarFake;
let jobber: JobberFake;
let hcp: HousecallProFake;
let server: TestServer;

beforeAll(async () => {
  [database, google, jobber, hcp] = await Promise.all([
    createDatabaseBeside(inject("databaseUrl")),
    GoogleCalendarFake.start(),
    JobberFake.start(),
    HousecallProFake.start(),
  ]);
  server = await startTestServer({
    databaseUrl: database.url,
    env: {
      ...google.env(),
      HOUSECALLPRO_API_BASE_URL: hcp.url,
      JOBBER_API_BASE_URL: jobber.graphqlUrl,
      JOBBER_OAUTH_BASE_URL: jobber.oauthBaseUrl,
      JOBBER_CLIENT_ID: jobber.clientId,
      JOBBER_CLIENT_SECRET: jobber.clientSecret,
      OUTBOX_CLAIM_SECONDS: "2",
      OUTBOX_RETRY_BASE_DELAY_MS: "50",
      GOOGLE_WRITES_PER_SECOND_PER_USER: "1000",
    },
  });
});
afterAll(async () => {
  await server?.close();
  await Promise.all([google?.close(), jobber?.close(), hcp?.close(), database?.drop()]);
});

const hourAfter = (d: Date) => new Date(d.getTime() + 3_600_000);
/** The appointment's calendar writes still waiting in the outbox. */
async function pendingDeliveries(appointmentId: string): Promise<number> {
  const [row] = await server.orm.em
    .fork()
    .getConnection()
    .execute<{ n: string }[]>("select count(*) as n from outbox where aggregate_id = ? and status = 'pending'", [
      appointmentId,
    ]);
  return Number(row?.n);
}
const appointments = () => client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));
const asTenant = async (tenantId: string) =>
  client(AppointmentService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
const calendarsOf = async (tenantId: string) =>
  client(CalendarService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
const appointmentOf = async (id: string) => (await appointments().getAppointment({ id })).appointment!;
const syncStatus = (id: string) =>
  expect.poll(async () => (await appointmentOf(id)).syncStatus, { timeout: 20_000, interval: 100 });

async function addTechnician(
  tenantId: string,
  links: { calendarId?: string; jobberUserId?: string; housecallProEmployeeId?: string },
  skills: string[] = [],
): Promise<string> {
  const api = client(TechnicianService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
  const res = await api.createTechnician({ technician: { name: "Tess Tech", skills, ...links } });
  return res.technician!.id;
}

async function book(tenantId: string, start: Date, technicianId: string) {
  const res = await appointments().createAppointment(
    appointmentRequest(tenantId, start.toISOString(), hourAfter(start).toISOString(), { technicianId }),
  );
  if (!res.created || !res.appointment) throw new Error("not booked");
  return res;
}

async function moveTo(tenantId: string, id: string, start: Date) {
  await (
    await asTenant(tenantId)
  ).updateAppointment({ id, startTime: timestampFromDate(start), endTime: timestampFromDate(hourAfter(start)) });
}

// ---- Google: the technician's own calendar ----------------------------------

/** Connects a Google account to the tenant; `receives` sets whether its primary calendar receives events. */
async function connectAccount(tenantId: string, email: string, receives: boolean) {
  google.addAccount(email);
  google.loginAs(email);
  const connected = await connectGoogle(server, tenantId);
  await waitForSync(server, connected.syncId);
  const integrationId = connected.integration.id;
  await (
    await calendarsOf(tenantId)
  ).updateCalendarSelection({
    integrationId,
    calendars: [{ calendarId: email, checkConflicts: true, receivesEvents: receives }],
  });
  const [row] = await server.orm.em
    .fork()
    .getConnection()
    .execute<{ id: string }[]>(
      "select id::text as id from integration_calendars where integration_id = ? and provider_calendar_id = ?",
      [integrationId, email],
    );
  return { integrationId, calendarRowId: row!.id };
}

const eventsWithId = (email: string, id: string) =>
  google.eventsOf(email, email).filter((e) => e.id === googleEventIdFor(id));
/** When the appointment's event in that calendar starts (NaN when there is none). */
const eventStartOf = (email: string, id: string) =>
  Date.parse((eventsWithId(email, id)[0]?.start as { dateTime?: string } | undefined)?.dateTime ?? "");
const postsOf = (id: string) =>
  google.writes.filter((w) => w.eventId === googleEventIdFor(id) && w.method === "POST").length;

async function incrementalSync(tenantId: string, provider: Provider) {
  const sync = client(SyncService, grpcTransport(server.baseUrl, serviceKey));
  const run = await sync.triggerSync({ tenantId, provider, type: SyncType.INCREMENTAL });
  expect((await waitForSync(server, run.syncId)).status).toBe(SyncStatus.SUCCEEDED);
}

describe("a technician's own calendar", () => {
  it("gets their appointment's event beside the business calendar; a cancel removes it from both", async () => {
    const tenantId = newTenantId();
    const office = `office-${tenantId}@example.test`;
    const tess = `tess-${tenantId}@example.test`;
    await connectAccount(tenantId, office, true);
    const own = await connectAccount(tenantId, tess, false);
    const technicianId = await addTechnician(tenantId, { calendarId: own.calendarRowId });

    const res = await book(tenantId, weekdayAt(3, 14), technicianId);
    const id = res.appointment!.id;
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    expect(eventsWithId(office, id)).toHaveLength(1);
    expect(eventsWithId(tess, id)).toHaveLength(1);
    expect(eventsWithId(tess, id)[0]).toMatchObject({
      summary: "Fix leaking sink",
      status: "confirmed",
      extendedProperties: { private: { universalCalendarAppointmentId: id } },
    });

    // Another appointment of the business, without the technician, stays out of her calendar.
    const other = await appointments().createAppointment(
      appointmentRequest(tenantId, weekdayAt(3, 16).toISOString(), hourAfter(weekdayAt(3, 16)).toISOString()),
    );
    await syncStatus(other.appointment!.id).toBe(ProviderSyncStatus.SYNCED);
    expect(eventsWithId(office, other.appointment!.id)).toHaveLength(1);
    expect(eventsWithId(tess, other.appointment!.id)).toHaveLength(0);

    await (await asTenant(tenantId)).cancelAppointment({ id });
    await expect.poll(() => eventsWithId(tess, id)[0]?.status, { timeout: 20_000, interval: 100 }).toBe("cancelled");
    await expect.poll(() => eventsWithId(office, id)[0]?.status, { timeout: 20_000, interval: 100 }).toBe("cancelled");
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
  });

  it("a move and a deletion made in the business calendar reach the technician's calendar too", async () => {
    const tenantId = newTenantId();
    const office = `moved-office-${tenantId}@example.test`;
    const tess = `moved-tess-${tenantId}@example.test`;
    await connectAccount(tenantId, office, true);
    const own = await connectAccount(tenantId, tess, false);
    const technicianId = await addTechnician(tenantId, { calendarId: own.calendarRowId });
    const id = (await book(tenantId, weekdayAt(4, 9), technicianId)).appointment!.id;
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    expect(eventsWithId(tess, id)).toHaveLength(1);

    const later = weekdayAt(4, 15);
    const writesBefore = google.writes.length;
    google.updateEvent(office, office, googleEventIdFor(id), {
      start: { dateTime: later.toISOString() },
      end: { dateTime: hourAfter(later).toISOString() },
    });
    await incrementalSync(tenantId, Provider.GOOGLE);
    expect((await appointmentOf(id)).startTime?.seconds).toBe(BigInt(later.getTime() / 1000));
    await expect.poll(() => eventStartOf(tess, id), { timeout: 20_000, interval: 100 }).toBe(later.getTime());
    // One write: Tess's copy. The office calendar, where the move was made, is not written back.
    const writes = google.writes.slice(writesBefore).filter((write) => write.eventId === googleEventIdFor(id));
    expect(writes.map((write) => write.method)).toEqual(["PATCH"]);

    google.deleteEvent(office, office, googleEventIdFor(id));
    await incrementalSync(tenantId, Provider.GOOGLE);
    expect((await appointmentOf(id)).status).toBe(AppointmentStatus.CANCELLED);
    await expect.poll(() => eventsWithId(tess, id)[0]?.status, { timeout: 20_000, interval: 100 }).toBe("cancelled");
    // The calendar it was deleted from is not written again.
    expect(eventsWithId(office, id).filter((event) => event.status !== "cancelled")).toHaveLength(0);
  });

  it("gets their upcoming appointments when their calendar is linked later, once", async () => {
    const tenantId = newTenantId();
    const office = `later-office-${tenantId}@example.test`;
    const tess = `later-tess-${tenantId}@example.test`;
    await connectAccount(tenantId, office, true);
    const own = await connectAccount(tenantId, tess, false);
    const technicianId = await addTechnician(tenantId, {});
    const id = (await book(tenantId, weekdayAt(3, 9), technicianId)).appointment!.id;
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    expect(eventsWithId(tess, id)).toHaveLength(0);

    const api = client(TechnicianService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    await api.updateTechnician({
      id: technicianId,
      technician: { name: "Tess Tech", skills: [], calendarId: own.calendarRowId },
    });
    await expect.poll(() => eventsWithId(tess, id).length, { timeout: 20_000, interval: 100 }).toBe(1);
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    expect(eventsWithId(office, id)).toHaveLength(1);
    expect(postsOf(id)).toBe(2);
  });

  it("a reassignment takes the event out of the previous technician's calendar and into the new one's", async () => {
    const tenantId = newTenantId();
    const office = `handover-office-${tenantId}@example.test`;
    const tess = `handover-tess-${tenantId}@example.test`;
    const theo = `handover-theo-${tenantId}@example.test`;
    await connectAccount(tenantId, office, true);
    const tessCalendar = await connectAccount(tenantId, tess, false);
    const theoCalendar = await connectAccount(tenantId, theo, false);
    const skills = ["plumbing_repair"];
    const tessId = await addTechnician(tenantId, { calendarId: tessCalendar.calendarRowId }, skills);
    const theoId = await addTechnician(tenantId, { calendarId: theoCalendar.calendarRowId }, skills);
    const id = (await book(tenantId, weekdayAt(3, 10), tessId)).appointment!.id;
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    expect(eventsWithId(tess, id)).toHaveLength(1);

    const res = await (await asTenant(tenantId)).updateAppointment({ id, technicianId: theoId });
    expect(res.appointment?.technicianId).toBe(theoId);
    await expect.poll(() => eventsWithId(tess, id)[0]?.status, { timeout: 20_000, interval: 100 }).toBe("cancelled");
    await expect.poll(() => eventsWithId(theo, id).length, { timeout: 20_000, interval: 100 }).toBe(1);
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    expect(eventsWithId(theo, id)[0]).toMatchObject({ status: "confirmed", summary: "Fix leaking sink" });
    expect(eventsWithId(office, id)).toHaveLength(1);

    // A later move reaches Theo and the office, and leaves Tess's cancelled copy alone.
    await moveTo(tenantId, id, weekdayAt(3, 15));
    for (const email of [theo, office]) {
      await expect
        .poll(() => eventStartOf(email, id), { timeout: 20_000, interval: 100 })
        .toBe(weekdayAt(3, 15).getTime());
    }
    expect(eventsWithId(tess, id)[0]?.status).toBe("cancelled");
    expect(eventStartOf(tess, id)).toBe(weekdayAt(3, 10).getTime());
  });

  it("makes the booking wait for the technician's calendar when no business calendar receives events", async () => {
    const tenantId = newTenantId();
    const tess = `solo-${tenantId}@example.test`;
    const own = await connectAccount(tenantId, tess, false);
    const technicianId = await addTechnician(tenantId, { calendarId: own.calendarRowId });
    // A business-wide booking has nowhere to go.
    const plain = await appointments().createAppointment(
      appointmentRequest(tenantId, weekdayAt(4, 16).toISOString(), hourAfter(weekdayAt(4, 16)).toISOString()),
    );
    expect(plain.appointment!.syncStatus).toBe(ProviderSyncStatus.NOT_REQUIRED);

    // The first write fails: the answer comes before the event exists, waiting for it, not "not required".
    google.failApiRequests({ status: 503 });
    const res = await book(tenantId, weekdayAt(4, 14), technicianId);
    const id = res.appointment!.id;
    expect(res.appointment!.syncStatus).toBe(ProviderSyncStatus.PENDING);
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    expect(eventsWithId(tess, id)).toHaveLength(1);
  });

  it("writes one event when the technician's calendar is the business's receiving calendar", async () => {
    const tenantId = newTenantId();
    const office = `shared-${tenantId}@example.test`;
    const shared = await connectAccount(tenantId, office, true);
    const technicianId = await addTechnician(tenantId, { calendarId: shared.calendarRowId });
    const id = (await book(tenantId, weekdayAt(5, 14), technicianId)).appointment!.id;
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    expect(eventsWithId(office, id)).toHaveLength(1);
    expect(postsOf(id)).toBe(1);
  });

  it("reads the event back as the appointment's own: not busy time, not a change; a move there moves it", async () => {
    const tenantId = newTenantId();
    const tess = `back-${tenantId}@example.test`;
    const own = await connectAccount(tenantId, tess, false);
    const technicianId = await addTechnician(tenantId, { calendarId: own.calendarRowId });
    const start = weekdayAt(6, 14);
    const id = (await book(tenantId, start, technicianId)).appointment!.id;
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    await incrementalSync(tenantId, Provider.GOOGLE);

    const [mirrored] = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ n: string }[]>(
        "select count(*) as n from provider_busy_events where calendar_id = ?::uuid and provider_event_id = ?",
        [own.calendarRowId, googleEventIdFor(id)],
      );
    expect(Number(mirrored?.n)).toBe(1);
    const after = await appointmentOf(id);
    expect(after.status).not.toBe(AppointmentStatus.CANCELLED);
    expect(after.calendarConflict).toBe("");
    expect(after.startTime?.seconds).toBe(BigInt(start.getTime() / 1000));
    // The same technician again at that time: only the appointment stands in the way, not its event.
    const again = await appointments().createAppointment(
      appointmentRequest(tenantId, start.toISOString(), hourAfter(start).toISOString(), { technicianId }),
    );
    expect(again.created).toBe(false);
    expect(again.conflicts.map((c) => c.kind)).toEqual([ConflictKind.APPOINTMENT]);

    const later = weekdayAt(6, 16);
    google.updateEvent(tess, tess, googleEventIdFor(id), {
      start: { dateTime: later.toISOString() },
      end: { dateTime: hourAfter(later).toISOString() },
    });
    await incrementalSync(tenantId, Provider.GOOGLE);
    expect((await appointmentOf(id)).startTime?.seconds).toBe(BigInt(later.getTime() / 1000));
  });
});

// ---- Jobber / HouseCall Pro: the technician on the crew ---------------------

/** Connects the platform and makes its schedule the tenant's destination. */
async function destination(provider: "jobber" | "housecall_pro") {
  const tenantId = newTenantId();
  const fs = client(FieldServiceService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
  const answer =
    provider === "jobber"
      ? await fs.connectJobber({ tenantId, apiKey: jobber.issueApiKey(), subdomain: "acme", timezone: "UTC" })
      : await fs.connectHousecallPro({
          tenantId,
          apiKey: hcp.issueApiKey(),
          companyId: hcp.company.id,
          timezone: "UTC",
        });
  await waitForSync(server, answer.syncId);
  await (
    await calendarsOf(tenantId)
  ).updateCalendarSelection({
    integrationId: answer.integration!.id,
    calendars: [{ calendarId: SCHEDULE_CALENDAR_ID, checkConflicts: true, receivesEvents: true }],
  });
  return tenantId;
}

/** UpdateJob adding a HouseCall Pro employee to a job's crew. */
function addToHousecallProCrew(tenantId: string, jobId: string, employeeId: string) {
  const jobs = client(FieldServiceService, grpcTransport(server.baseUrl, serviceKey));
  return jobs.updateJob({ tenantId, provider: Provider.HOUSECALL_PRO, jobId, technicianId: employeeId });
}

describe("a technician on the field-service crew", () => {
  it("Jobber: the visit carries the technician's user; an update adds them back beside the business's pick", async () => {
    const tenantId = await destination("jobber");
    const tess = jobber.addUser("Tess Tech");
    const dan = jobber.addUser("Dan Dispatched");
    const technicianId = await addTechnician(tenantId, { jobberUserId: tess });
    const id = (await book(tenantId, weekdayAt(7, 13), technicianId)).appointment!.id;
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    const [job] = jobber.jobsWithInstructions(jobMarkerOf(id));
    const [visit] = jobber.visitsOf(job!.id);
    expect(jobber.crewOf(visit!.id)).toEqual([tess]);

    // The business puts Dan on the visit in Jobber (Jobber replaces the crew: Tess is off it).
    jobber.assignVisit(visit!.id, [dan]);
    const moved = weekdayAt(7, 15);
    await moveTo(tenantId, id, moved);
    await expect.poll(() => jobber.crewOf(visit!.id), { timeout: 20_000, interval: 100 }).toEqual([dan, tess]);
    expect(new Date(jobber.visitsOf(job!.id)[0]!.startAt!).getTime()).toBe(moved.getTime());
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    expect(jobber.crewOf(visit!.id)).toEqual([dan, tess]);
  });

  it("HouseCall Pro: the job is dispatched to the technician's employee; an update merges into the crew", async () => {
    const tenantId = await destination("housecall_pro");
    const tess = hcp.addEmployee("Tess Tech");
    const dan = hcp.addEmployee("Dan Dispatched");
    const technicianId = await addTechnician(tenantId, { housecallProEmployeeId: tess });
    const id = (await book(tenantId, weekdayAt(8, 13), technicianId)).appointment!.id;
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    const crew = () => hcp.jobsWithNotes(jobMarkerOf(id))[0]?.employeeIds;
    expect(crew()).toEqual([tess]);

    hcp.dispatchJob(hcp.jobsWithNotes(jobMarkerOf(id))[0]!.id, [dan]);
    const moved = weekdayAt(8, 15);
    await moveTo(tenantId, id, moved);
    await expect.poll(crew, { timeout: 20_000, interval: 100 }).toEqual([dan, tess]);
    expect(hcp.jobsWithNotes(jobMarkerOf(id))[0]?.scheduled_start).toBe(moved.toISOString());
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
  });

  it("HouseCall Pro: a crew member added by UpdateJob keeps the technician we dispatched on later updates", async () => {
    const tenantId = await destination("housecall_pro");
    const tess = hcp.addEmployee("Tess Tech");
    const theo = hcp.addEmployee("Theo Tech");
    const tessId = await addTechnician(tenantId, { housecallProEmployeeId: tess });
    await addTechnician(tenantId, { housecallProEmployeeId: theo });
    const id = (await book(tenantId, weekdayAt(12, 13), tessId)).appointment!.id;
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    const job = () => hcp.jobsWithNotes(jobMarkerOf(id))[0]!;
    expect(job().employeeIds).toEqual([tess]);

    expect((await addToHousecallProCrew(tenantId, job().id, theo)).updated).toBe(true);
    expect(job().employeeIds).toEqual([tess, theo]);
    expect((await appointmentOf(id)).technicianId).toBeUndefined();

    // A later change of the appointment reaches the job and leaves both on it.
    await (await asTenant(tenantId)).updateAppointment({ id, title: "Fix leaking sink and tap" });
    await expect.poll(() => pendingDeliveries(id), { timeout: 20_000, interval: 100 }).toBe(0);
    expect(job().description).toBe("Fix leaking sink and tap");
    expect(job().employeeIds).toEqual([tess, theo]);
  });

  it("HouseCall Pro: the technician UpdateJob gave a business-wide job comes off it when the appointment is reassigned", async () => {
    const tenantId = await destination("housecall_pro");
    const tess = hcp.addEmployee("Tess Tech");
    const theo = hcp.addEmployee("Theo Tech");
    const dan = hcp.addEmployee("Dan Dispatched");
    const skills = ["plumbing_repair"];
    const tessId = await addTechnician(tenantId, { housecallProEmployeeId: tess }, skills);
    const theoId = await addTechnician(tenantId, { housecallProEmployeeId: theo }, skills);
    const res = await appointments().createAppointment(
      appointmentRequest(tenantId, weekdayAt(13, 13).toISOString(), hourAfter(weekdayAt(13, 13)).toISOString()),
    );
    const id = res.appointment!.id;
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    const job = () => hcp.jobsWithNotes(jobMarkerOf(id))[0]!;
    expect(job().employeeIds).toEqual([]);
    hcp.dispatchJob(job().id, [dan]);

    expect((await addToHousecallProCrew(tenantId, job().id, tess)).updated).toBe(true);
    expect(job().employeeIds).toEqual([dan, tess]);
    expect((await appointmentOf(id)).technicianId).toBe(tessId);

    await (await asTenant(tenantId)).updateAppointment({ id, technicianId: theoId });
    await expect.poll(() => job().employeeIds, { timeout: 20_000, interval: 100 }).toEqual([dan, theo]);
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
  });

  it("Jobber: a reassignment takes the previous technician off the visit and puts the new one on", async () => {
    const tenantId = await destination("jobber");
    const tess = jobber.addUser("Tess Tech");
    const theo = jobber.addUser("Theo Tech");
    const dan = jobber.addUser("Dan Dispatched");
    const skills = ["plumbing_repair"];
    const tessId = await addTechnician(tenantId, { jobberUserId: tess }, skills);
    const theoId = await addTechnician(tenantId, { jobberUserId: theo }, skills);
    const id = (await book(tenantId, weekdayAt(10, 13), tessId)).appointment!.id;
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    const [job] = jobber.jobsWithInstructions(jobMarkerOf(id));
    const [visit] = jobber.visitsOf(job!.id);
    jobber.assignVisit(visit!.id, [tess, dan]);

    await (await asTenant(tenantId)).updateAppointment({ id, technicianId: theoId });
    await expect.poll(() => jobber.crewOf(visit!.id), { timeout: 20_000, interval: 100 }).toEqual([dan, theo]);
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);

    // Made business-wide: Theo, whom we put there, comes off too; Dan stays.
    await (await asTenant(tenantId)).updateAppointment({ id, technicianId: "" });
    await expect.poll(() => jobber.crewOf(visit!.id), { timeout: 20_000, interval: 100 }).toEqual([dan]);
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
  });

  it("HouseCall Pro: a reassignment dispatches the job to the new technician instead of the previous one", async () => {
    const tenantId = await destination("housecall_pro");
    const tess = hcp.addEmployee("Tess Tech");
    const theo = hcp.addEmployee("Theo Tech");
    const dan = hcp.addEmployee("Dan Dispatched");
    const skills = ["plumbing_repair"];
    const tessId = await addTechnician(tenantId, { housecallProEmployeeId: tess }, skills);
    const theoId = await addTechnician(tenantId, { housecallProEmployeeId: theo }, skills);
    const id = (await book(tenantId, weekdayAt(11, 13), tessId)).appointment!.id;
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    const crew = () => hcp.jobsWithNotes(jobMarkerOf(id))[0]?.employeeIds;
    hcp.dispatchJob(hcp.jobsWithNotes(jobMarkerOf(id))[0]!.id, [dan, tess]);

    await (await asTenant(tenantId)).updateAppointment({ id, technicianId: theoId });
    await expect.poll(crew, { timeout: 20_000, interval: 100 }).toEqual([dan, theo]);
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
  });

  it("a technician without a link to the platform changes nobody's crew", async () => {
    const tenantId = await destination("housecall_pro");
    const dan = hcp.addEmployee("Dan Dispatched");
    const technicianId = await addTechnician(tenantId, {});
    const id = (await book(tenantId, weekdayAt(9, 13), technicianId)).appointment!.id;
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    const jobId = hcp.jobsWithNotes(jobMarkerOf(id))[0]!.id;
    expect(hcp.jobsWithNotes(jobMarkerOf(id))[0]?.employeeIds).toEqual([]);
    hcp.dispatchJob(jobId, [dan]);
    await moveTo(tenantId, id, weekdayAt(9, 15));
    await expect
      .poll(() => hcp.jobsWithNotes(jobMarkerOf(id))[0]?.scheduled_start, { timeout: 20_000, interval: 100 })
      .toBe(weekdayAt(9, 15).toISOString());
    await syncStatus(id).toBe(ProviderSyncStatus.SYNCED);
    expect(hcp.jobsWithNotes(jobMarkerOf(id))[0]?.employeeIds).toEqual([dan]);
  });
});
