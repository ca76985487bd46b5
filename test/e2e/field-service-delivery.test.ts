import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  AppointmentService,
  AppointmentStatus,
  CancellationReason,
  ProviderSyncStatus,
} from "../../gen/universalcalendar/v1/appointment_pb.js";
import { AvailabilityService } from "../../gen/universalcalendar/v1/availability_pb.js";
import { CalendarService } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { FieldServiceService } from "../../gen/universalcalendar/v1/field_service_pb.js";
import { SyncService, SyncStatus, SyncType } from "../../gen/universalcalendar/v1/sync_pb.js";
import { deliverAggregate } from "../../src/app/outbox/deliver-aggregate.js";
import { jobMarkerOf } from "../../src/domain/outbox/job-marker.js";
import { busyEventIdOf, SCHEDULE_CALENDAR_ID } from "../../src/providers/field-service/field-service-busy-time.js";
import { waitForSync } from "../fakes/google/google-oauth-flow.js";
import { HousecallProFake } from "../fakes/housecall-pro/housecall-pro-fake.js";
import { JobberFake } from "../fakes/jobber/jobber-fake.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, grpcTransport, serviceKey } from "../support/clients.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";
import { createDatabaseBeside, type TestDatabase } from "../support/test-database.js";
import { weekdayAt } from "../support/weekdays.js";

let hcp: HousecallProFake;
let jobber: JobberFake;
let server: TestServer;

/** Its own database (see createDatabaseBeside): its deliveries are its own servers'. */
let database: TestDatabase;

beforeAll(async () => {
  database = await createDatabaseBeside(inject("databaseUrl"));
  [hcp, jobber] = await Promise.all([HousecallProFake.start(), JobberFake.start()]);
  server = await startTestServer({
    databaseUrl: database.url,
    env: {
      HOUSECALLPRO_API_BASE_URL: hcp.url,
      JOBBER_API_BASE_URL: jobber.graphqlUrl,
      JOBBER_OAUTH_BASE_URL: jobber.oauthBaseUrl,
      JOBBER_CLIENT_ID: jobber.clientId,
      JOBBER_CLIENT_SECRET: jobber.clientSecret,
      OUTBOX_CLAIM_SECONDS: "2",
      OUTBOX_RETRY_BASE_DELAY_MS: "50",
    },
  });
});
afterAll(async () => {
  await server?.close();
  await Promise.all([hcp?.close(), jobber?.close()]);
  await database?.drop();
});

const hourAfter = (d: Date) => new Date(d.getTime() + 3_600_000);
const appointments = () => client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));

/** Connects the platform and makes its schedule the tenant's destination (UpdateCalendarSelection). */
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
  const calendars = client(CalendarService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
  const selected = await calendars.updateCalendarSelection({
    integrationId: answer.integration!.id,
    calendars: [{ calendarId: SCHEDULE_CALENDAR_ID, checkConflicts: true, receivesEvents: true }],
  });
  expect(selected.integration?.calendars.find((c) => c.id === SCHEDULE_CALENDAR_ID)?.receivesEvents).toBe(true);
  return { tenantId, integrationId: answer.integration!.id };
}

const jobs = () => client(FieldServiceService, grpcTransport(server.baseUrl, serviceKey));

/** Connects the tenant's Jobber (its schedule not receiving) and books an hour-long job there by CreateJob. */
async function jobBookedInJobber(tenantId: string, start: Date, customer: { name: string; phone: string }) {
  const fs = client(FieldServiceService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
  const apiKey = jobber.issueApiKey();
  const connected = await fs.connectJobber({
    tenantId,
    apiKey,
    subdomain: "acme",
    timezone: "UTC",
  });
  await waitForSync(server, connected.syncId);
  const requestsBefore = jobber.requests.length;
  const created = await jobs().createJob({
    tenantId,
    provider: Provider.JOBBER,
    customer,
    title: "Service visit",
    scheduledStart: timestampFromDate(start),
    estimatedDurationMinutes: 60,
  });
  expect(created.created).toBe(true);
  // Its work is named from the platform's answers: no schedule listing, which could fail and leave the job unfollowed.
  const listings = jobber.requests
    .slice(requestsBefore)
    .filter((r) => r.operation === "Visits" && r.headers.authorization === `Bearer ${apiKey}`);
  expect(listings).toEqual([]);
  return created;
}

async function book(tenantId: string, start: Date) {
  const res = await appointments().createAppointment(
    appointmentRequest(tenantId, start.toISOString(), hourAfter(start).toISOString()),
  );
  if (!res.created || !res.appointment) throw new Error("not booked");
  return res.appointment.id;
}

const appointmentOf = async (id: string) => (await appointments().getAppointment({ id })).appointment!;
const synced = (id: string) =>
  expect.poll(async () => (await appointmentOf(id)).syncStatus, { timeout: 20_000, interval: 100 });

const visitTimes = (visit: { startAt?: string; endAt?: string }) =>
  [visit.startAt, visit.endAt].map((t) => new Date(t!));

async function intentsOf(appointmentId: string): Promise<number> {
  const [row] = await server.orm.em
    .fork()
    .getConnection()
    .execute<{ n: string }[]>("select count(*) as n from appointment_job_intents where appointment_id = ?", [
      appointmentId,
    ]);
  return Number(row?.n);
}

async function incrementalSync(tenantId: string, provider: Provider) {
  const sync = client(SyncService, grpcTransport(server.baseUrl, serviceKey));
  const run = await sync.triggerSync({ tenantId, provider, type: SyncType.INCREMENTAL });
  expect((await waitForSync(server, run.syncId)).status).toBe(SyncStatus.SUCCEEDED);
}

describe("bookings delivered as jobs", () => {
  it("HouseCall Pro: one job when the first calls fail with 500 and 429; its id is the appointment's event id", async () => {
    const { tenantId } = await destination("housecall_pro");
    const start = weekdayAt(5, 14);
    hcp.failNext({ status: 500 }, { status: 429, retryAfterSeconds: 1 }, { status: 500 });
    const id = await book(tenantId, start);
    await synced(id).toBe(ProviderSyncStatus.SYNCED);
    const jobs = hcp.jobsWithNotes(jobMarkerOf(id));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({
      scheduled_start: start.toISOString(),
      scheduled_end: hourAfter(start).toISOString(),
    });
    expect((await appointmentOf(id)).externalEventId).toBe(jobs[0]!.id);
  });

  it("Jobber: create → update → cancel reach the job in order under failures, exactly once", async () => {
    const { tenantId } = await destination("jobber");
    const start = weekdayAt(6, 13);
    jobber.failNext({ status: 500 }, { status: 429, retryAfterSeconds: 1 });
    const id = await book(tenantId, start);
    const jwtClient = client(AppointmentService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    const moved = weekdayAt(6, 16);
    jobber.failNext({ status: 503 });
    await jwtClient.updateAppointment({
      id,
      startTime: timestampFromDate(moved),
      endTime: timestampFromDate(hourAfter(moved)),
    });
    await synced(id).toBe(ProviderSyncStatus.SYNCED);
    const [job] = jobber.jobsWithInstructions(jobMarkerOf(id));
    expect(jobber.jobsWithInstructions(jobMarkerOf(id))).toHaveLength(1);
    const visits = jobber.visitsOf(job!.id);
    expect(visits).toHaveLength(1);
    expect(new Date(visits[0]!.startAt!).getTime()).toBe(moved.getTime());

    jobber.failNext({ status: 500 });
    await jwtClient.cancelAppointment({ id });
    await expect.poll(() => jobber.visitsOf(job!.id).length, { timeout: 20_000, interval: 100 }).toBe(0);
    await synced(id).toBe(ProviderSyncStatus.SYNCED);
    expect(jobber.jobsWithInstructions(jobMarkerOf(id))).toHaveLength(1);
    const ops = jobber.operations();
    expect(ops.filter((o) => o === "JobCreate")).toHaveLength(1);
  });

  it("Jobber: appointments of one new customer booked at once make one client", async () => {
    const { tenantId } = await destination("jobber");
    const clientsBefore = jobber.clientCount();
    // A slow clientCreate: the others' searches fall inside it.
    jobber.delayOperation("ClientCreate", 400);
    const ids = await Promise.all(
      [8, 10, 12, 14].map(async (hour) => {
        const start = weekdayAt(7, hour);
        const res = await appointments().createAppointment(
          appointmentRequest(tenantId, start.toISOString(), hourAfter(start).toISOString(), {
            customerName: "Nell Newcomer",
            customerPhone: "+13125550233",
            customerEmail: "nell@example.test",
          }),
        );
        return res.appointment!.id;
      }),
    );
    for (const id of ids) await synced(id).toBe(ProviderSyncStatus.SYNCED);
    expect(ids.map((id) => jobber.jobsWithInstructions(jobMarkerOf(id)).length)).toEqual([1, 1, 1, 1]);
    expect(jobber.clientCount()).toBe(clientsBefore + 1);
  });

  it("Jobber: a visitCreate that fails after jobCreate succeeded is completed on retry, never a second job", async () => {
    const { tenantId } = await destination("jobber");
    const start = weekdayAt(11, 14);
    const mark = jobber.operations().length;
    // More failures than one attempt's retries (4): the outbox's next attempt finishes the job its intent names.
    jobber.failOperation(
      "VisitCreate",
      { status: 500 },
      { status: 429, retryAfterSeconds: 1 },
      { status: 500 },
      { status: 503 },
      { status: 500 },
    );
    const id = await book(tenantId, start);
    await synced(id).toBe(ProviderSyncStatus.SYNCED);
    const ops = jobber.operations().slice(mark);
    expect(ops.filter((o) => o === "VisitCreate")).toHaveLength(6);
    expect(ops.filter((o) => o === "JobCreate")).toHaveLength(1);
    // Resumed from the recorded id: no search for the job was needed.
    expect(ops).not.toContain("ClientJobs");
    const jobs = jobber.jobsWithInstructions(jobMarkerOf(id));
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.closed).toBe(false);
    const visits = jobber.visitsOf(jobs[0]!.id);
    expect(visits).toHaveLength(1);
    expect(visitTimes(visits[0]!)).toEqual([start, hourAfter(start)]);
    expect((await appointmentOf(id)).externalEventId).toBe(busyEventIdOf({ id: visits[0]!.id, jobId: jobs[0]!.id }));
    expect(await intentsOf(id)).toBe(0);
  });

  it("Jobber: a jobCreate whose answer is lost is found among the client's jobs and completed", async () => {
    const { tenantId } = await destination("jobber");
    const start = weekdayAt(11, 16);
    const mark = jobber.operations().length;
    // Jobber made the job, its answer never arrived: no id to resume from, and no visit to find it by.
    jobber.failOperation("JobCreate", { status: 502, applied: true });
    const id = await book(tenantId, start);
    await synced(id).toBe(ProviderSyncStatus.SYNCED);
    const ops = jobber.operations().slice(mark);
    expect(ops.filter((o) => o === "JobCreate")).toHaveLength(1);
    expect(ops).toContain("ClientJobs");
    const jobs = jobber.jobsWithInstructions(jobMarkerOf(id));
    expect(jobs).toHaveLength(1);
    const visits = jobber.visitsOf(jobs[0]!.id);
    expect(visits).toHaveLength(1);
    expect(visitTimes(visits[0]!)).toEqual([start, hourAfter(start)]);
  });

  it("Jobber: a claim that runs out during a slow jobCreate is taken over without a second job", async () => {
    const { tenantId } = await destination("jobber");
    const start = weekdayAt(12, 14);
    const mark = jobber.operations().length;
    // Served after 4 s, well past the 2 s claim: the job only exists once the first worker's call returns.
    jobber.delayOperation("JobCreate", 4_000);
    const id = await book(tenantId, start);
    const db = server.orm.em.fork().getConnection();
    const createRow = async () =>
      (
        await db.execute<{ attempts: number; expired: boolean }[]>(
          // Not held by a live claim: its lease ran out (or the background worker took it over meanwhile and
          // let go: a delivery already running for the target makes it retry later).
          `select attempts, coalesce(claimed_until < now(), true) as expired from outbox
           where tenant_id = ? and aggregate_id = ? and topic = 'appointment.created'`,
          [tenantId, id],
        )
      )[0];
    // The first worker is waiting for Jobber's answer and its claim no longer holds the row.
    const firstWaitsUnclaimed = async () =>
      jobber.operations().slice(mark).includes("JobCreate") && (await createRow())?.expired === true;
    await expect.poll(firstWaitsUnclaimed, { timeout: 10_000, interval: 50 }).toBe(true);
    expect(jobber.jobsWithInstructions(jobMarkerOf(id))).toHaveLength(0);
    // Another worker takes the row over while the first is still waiting for Jobber.
    await deliverAggregate(server.app, { tenantId, aggregateId: id });
    await synced(id).toBe(ProviderSyncStatus.SYNCED);
    expect((await createRow())?.attempts).toBeGreaterThanOrEqual(2);
    expect(
      jobber
        .operations()
        .slice(mark)
        .filter((o) => o === "JobCreate"),
    ).toHaveLength(1);
    const jobs = jobber.jobsWithInstructions(jobMarkerOf(id));
    expect(jobs).toHaveLength(1);
    const visits = jobber.visitsOf(jobs[0]!.id);
    expect(visits).toHaveLength(1);
    expect(visitTimes(visits[0]!)).toEqual([start, hourAfter(start)]);
  });

  it("a crash between the platform's success and our record does not make a second job", async () => {
    const { tenantId } = await destination("housecall_pro");
    const db = server.orm.em.fork().getConnection();
    // Our bookkeeping fails (as if the process died right after HouseCall Pro answered).
    await db.execute(`
      create or replace function fail_job_record() returns trigger language plpgsql as $$
      begin raise exception 'bookkeeping failed'; end $$`);
    await db.execute(`
      create trigger fail_job_record before insert on appointment_calendar_events
      for each row when (new.tenant_id = '${tenantId}') execute function fail_job_record()`);
    const start = weekdayAt(7, 15);
    let id: string;
    try {
      id = await book(tenantId, start);
      await expect.poll(() => hcp.jobsWithNotes(jobMarkerOf(id)).length, { timeout: 10_000 }).toBe(1);
      const [intent] = await db.execute<{ n: string }[]>(
        "select count(*) as n from appointment_job_intents where appointment_id = ?",
        [id],
      );
      expect(Number(intent?.n)).toBe(1);
      expect((await appointmentOf(id)).syncStatus).toBe(ProviderSyncStatus.PENDING);
    } finally {
      await db.execute("drop trigger fail_job_record on appointment_calendar_events");
    }
    await expect
      .poll(
        async () => {
          await deliverAggregate(server.app, { tenantId, aggregateId: id });
          return (await appointmentOf(id)).syncStatus;
        },
        { timeout: 20_000, interval: 200 },
      )
      .toBe(ProviderSyncStatus.SYNCED);
    const jobs = hcp.jobsWithNotes(jobMarkerOf(id));
    expect(jobs).toHaveLength(1);
    expect((await appointmentOf(id)).externalEventId).toBe(jobs[0]!.id);
  });

  it("a reschedule made in HouseCall Pro moves the appointment; an unscheduled job cancels it", async () => {
    const { tenantId } = await destination("housecall_pro");
    const id = await book(tenantId, weekdayAt(8, 14));
    await synced(id).toBe(ProviderSyncStatus.SYNCED);
    const [job] = hcp.jobsWithNotes(jobMarkerOf(id));
    const later = weekdayAt(8, 17);
    hcp.rescheduleJob(job!.id, later.toISOString(), hourAfter(later).toISOString());
    await incrementalSync(tenantId, Provider.HOUSECALL_PRO);
    const moved = await appointmentOf(id);
    expect(moved.startTime?.seconds).toBe(BigInt(later.getTime() / 1000));
    expect(moved.status).not.toBe(AppointmentStatus.CANCELLED);

    hcp.rescheduleJob(job!.id, null, null);
    await incrementalSync(tenantId, Provider.HOUSECALL_PRO);
    const cancelled = await appointmentOf(id);
    expect(cancelled.status).toBe(AppointmentStatus.CANCELLED);
    expect(cancelled.cancellationReason).toBe(CancellationReason.CANCELLED_IN_CALENDAR);
  });

  it("a reschedule made in Jobber comes back; one onto a hard block is flagged instead", async () => {
    const { tenantId } = await destination("jobber");
    const id = await book(tenantId, weekdayAt(9, 13));
    await synced(id).toBe(ProviderSyncStatus.SYNCED);
    const [job] = jobber.jobsWithInstructions(jobMarkerOf(id));
    const [visit] = jobber.visitsOf(job!.id);
    const later = weekdayAt(9, 15);
    jobber.rescheduleVisit(visit!.id, later.toISOString(), hourAfter(later).toISOString());
    await incrementalSync(tenantId, Provider.JOBBER);
    expect((await appointmentOf(id)).startTime?.seconds).toBe(BigInt(later.getTime() / 1000));
    expect(jobber.jobsWithInstructions(jobMarkerOf(id))).toHaveLength(1);

    // Moved onto a hard block: the appointment keeps its time and is flagged, like a calendar move.
    const blocked = weekdayAt(9, 18);
    const blocks = client(AvailabilityService, grpcTransport(server.baseUrl, serviceKey));
    await blocks.blockTime({
      tenantId,
      startTime: timestampFromDate(blocked),
      endTime: timestampFromDate(hourAfter(blocked)),
      title: "Closed",
    });
    jobber.rescheduleVisit(visit!.id, blocked.toISOString(), hourAfter(blocked).toISOString());
    await incrementalSync(tenantId, Provider.JOBBER);
    const flagged = await appointmentOf(id);
    expect(flagged.startTime?.seconds).toBe(BigInt(later.getTime() / 1000));
    expect(flagged.calendarConflict).toContain("conflicts with block");
  });

  it("a job changed by UpdateJob reaches its copy on the tenant's other receiving schedule", async () => {
    const { tenantId } = await destination("housecall_pro");
    const created = await jobBookedInJobber(tenantId, weekdayAt(12, 9), { name: "Uma Update", phone: "+13125550234" });
    const copy = () => hcp.jobsWithNotes(jobMarkerOf(created.appointmentId));
    await expect.poll(() => copy().length, { timeout: 20_000, interval: 100 }).toBe(1);
    await synced(created.appointmentId).toBe(ProviderSyncStatus.SYNCED);

    const later = weekdayAt(12, 13);
    const operationsBefore = jobber.operations().length;
    const moved = await jobs().updateJob({
      tenantId,
      provider: Provider.JOBBER,
      jobId: created.jobId,
      scheduledStart: timestampFromDate(later),
      title: "Service visit and flush",
    });
    expect(moved.updated).toBe(true);
    await expect.poll(() => copy()[0]?.scheduled_start, { timeout: 20_000, interval: 100 }).toBe(later.toISOString());
    expect(copy()).toHaveLength(1);
    expect(copy()[0]).toMatchObject({ scheduled_end: hourAfter(later).toISOString() });
    // Jobber, where the change was made, is not written again by the delivery.
    const writes = jobber
      .operations()
      .slice(operationsBefore)
      .filter((op) => /Edit|Create/.test(op));
    expect(writes.filter((op) => op === "VisitEditSchedule")).toHaveLength(1);
    // The appointment still names the job it was booked as, not its copy.
    expect(await appointmentOf(created.appointmentId)).toMatchObject({ externalEventId: created.jobId });

    await jobs().cancelJob({ tenantId, provider: Provider.JOBBER, jobId: created.jobId, reason: "called off" });
    expect((await appointmentOf(created.appointmentId)).status).toBe(AppointmentStatus.CANCELLED);
    await expect.poll(() => copy()[0]?.scheduled_start, { timeout: 20_000, interval: 100 }).toBeNull();
  });

  it("a job booked by CreateJob follows its appointment both ways: a reschedule in Jobber, UpdateAppointment, CancelAppointment", async () => {
    const tenantId = newTenantId();
    const start = weekdayAt(13, 9);
    const created = await jobBookedInJobber(tenantId, start, { name: "Vic Visit", phone: "+13125550235" });
    const [visit] = jobber.visitsOf(created.jobId);
    const later = weekdayAt(13, 14);
    jobber.rescheduleVisit(visit!.id, later.toISOString(), hourAfter(later).toISOString());
    await incrementalSync(tenantId, Provider.JOBBER);
    const moved = await appointmentOf(created.appointmentId);
    expect(moved.startTime?.seconds).toBe(BigInt(later.getTime() / 1000));
    expect(moved.calendarConflict).toBe("");
    // The time it left is free again; the job's own work is not busy time beside its appointment.
    await book(tenantId, start);

    const evening = weekdayAt(13, 17);
    const update = await appointments().updateAppointment({
      id: created.appointmentId,
      startTime: timestampFromDate(evening),
      endTime: timestampFromDate(hourAfter(evening)),
    });
    expect(update.updated).toBe(true);
    await expect
      .poll(() => Date.parse(jobber.visitsOf(created.jobId)[0]?.startAt ?? ""), { timeout: 20_000, interval: 100 })
      .toBe(evening.getTime());
    expect(jobber.visitsOf(created.jobId)).toHaveLength(1);
    expect(jobber.jobsWithInstructions(jobMarkerOf(created.appointmentId))).toHaveLength(0);

    await appointments().cancelAppointment({ id: created.appointmentId });
    await expect.poll(() => jobber.visitsOf(created.jobId).length, { timeout: 20_000, interval: 100 }).toBe(0);
    await synced(created.appointmentId).toBe(ProviderSyncStatus.SYNCED);
  });

  it("Jobber: UpdateJob and CancelJob on a job delivered from an appointment find that appointment", async () => {
    const { tenantId } = await destination("jobber");
    const start = weekdayAt(14, 10);
    const id = await book(tenantId, start);
    await synced(id).toBe(ProviderSyncStatus.SYNCED);
    const [job] = jobber.jobsWithInstructions(jobMarkerOf(id));
    const listed = await jobs().listJobs({
      tenantId,
      provider: Provider.JOBBER,
      startDate: start.toISOString().slice(0, 10),
    });
    expect(listed.jobs.find((j) => j.id === job!.id)?.appointmentId).toBe(id);

    // Half an hour later overlaps the appointment's own time: it moves, not refused by itself.
    const later = new Date(start.getTime() + 30 * 60_000);
    const moved = await jobs().updateJob({
      tenantId,
      provider: Provider.JOBBER,
      jobId: job!.id,
      scheduledStart: timestampFromDate(later),
    });
    expect([moved.updated, moved.conflicts]).toEqual([true, []]);
    expect((await appointmentOf(id)).startTime?.seconds).toBe(BigInt(later.getTime() / 1000));

    await jobs().cancelJob({ tenantId, provider: Provider.JOBBER, jobId: job!.id, reason: "called off" });
    expect((await appointmentOf(id)).status).toBe(AppointmentStatus.CANCELLED);
  });

  it("an appointment booked by CreateJob is not delivered again as a second job", async () => {
    const { tenantId } = await destination("housecall_pro");
    const start = weekdayAt(10, 14);
    const fs = client(FieldServiceService, grpcTransport(server.baseUrl, serviceKey));
    const before = hcp.jobCount();
    const created = await fs.createJob({
      tenantId,
      provider: Provider.HOUSECALL_PRO,
      idempotencyKey: `job-${tenantId}`,
      customer: { name: "Job Caller", phone: "+13125550190" },
      title: "Furnace check",
      scheduledStart: timestampFromDate(start),
      endTime: timestampFromDate(hourAfter(start)),
    });
    expect(created.jobId).not.toBe("");
    const [row] = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ id: string }[]>(
        "select id::text as id from appointments where tenant_id = ? and external_event_id = ?",
        [tenantId, created.jobId],
      );
    await expect
      .poll(
        async () => {
          await deliverAggregate(server.app, { tenantId, aggregateId: row!.id });
          const [pending] = await server.orm.em
            .fork()
            .getConnection()
            .execute<{ n: string }[]>(
              "select count(*) as n from outbox where tenant_id = ? and aggregate_id = ? and status = 'pending'",
              [tenantId, row!.id],
            );
          return Number(pending?.n);
        },
        { timeout: 10_000, interval: 100 },
      )
      .toBe(0);
    expect(hcp.jobCount()).toBe(before + 1);
    expect(await appointmentOf(row!.id)).toMatchObject({
      externalEventId: created.jobId,
      syncStatus: ProviderSyncStatus.SYNCED,
    });
  });
});
