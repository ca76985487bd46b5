import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  AppointmentService,
  CancellationReason,
  ProviderSyncStatus,
} from "../../gen/universalcalendar/v1/appointment_pb.js";
import { AvailabilityService } from "../../gen/universalcalendar/v1/availability_pb.js";
import { CalendarService, IntegrationStatus } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { ConflictKind, Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { SyncService, SyncType } from "../../gen/universalcalendar/v1/sync_pb.js";
import { deliverAggregate } from "../../src/app/outbox/deliver-aggregate.js";
import { googleEventIdFor } from "../../src/providers/calendar/google/google-event-mapping.js";
import { GoogleCalendarFake } from "../fakes/google/google-calendar-fake.js";
import { connectGoogle, waitForSync } from "../fakes/google/google-oauth-flow.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, grpcTransport, serviceKey } from "../support/clients.js";
import { columnsHolding } from "../support/pii-scan.js";
import { createDatabaseBeside, type TestDatabase } from "../support/test-database.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

let fake: GoogleCalendarFake;
let server: TestServer;
let notifications: Server;
const received: { body: Record<string, unknown>; idempotencyKey: string }[] = [];

/** This file's server's pg-boss schema, named so a test can read its jobs. */
const QUEUE_SCHEMA = `pgboss_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
const ENV = { OUTBOX_CLAIM_SECONDS: "2", OUTBOX_RETRY_BASE_DELAY_MS: "50", GOOGLE_WRITES_PER_SECOND_PER_USER: "1000" };

/** Its own database (see createDatabaseBeside): its deliveries are its own servers'. */
let database: TestDatabase;

beforeAll(async () => {
  database = await createDatabaseBeside(inject("databaseUrl"));
  fake = await GoogleCalendarFake.start();
  notifications = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      received.push({
        body: JSON.parse(body) as Record<string, unknown>,
        idempotencyKey: String(req.headers["idempotency-key"]),
      });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => notifications.listen(0, "127.0.0.1", resolve));
  const { port } = notifications.address() as AddressInfo;
  server = await startTestServer({
    databaseUrl: database.url,
    env: { ...fake.env(), ...ENV, AS_CONNECTION_SERVICE_URL: `http://127.0.0.1:${port}/notify` },
    queueSchema: QUEUE_SCHEMA,
  });
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
  await new Promise((resolve) => notifications?.close(resolve));
  await database?.drop();
});

const appointments = (s: TestServer = server) => client(AppointmentService, grpcTransport(s.baseUrl, serviceKey));
const DAY = 86_400_000;
/** A whole hour some days ahead, inside the sync window. */
const at = (days: number, hour: number) => {
  const d = new Date(Date.now() + days * DAY);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
};
const hourAfter = (iso: string) => new Date(Date.parse(iso) + 3_600_000).toISOString();

async function connectedTenant(label: string) {
  const tenantId = newTenantId();
  const email = `${label}-${tenantId}@example.test`;
  fake.addAccount(email);
  fake.loginAs(email);
  const connected = await connectGoogle(server, tenantId);
  await waitForSync(server, connected.syncId);
  return { tenantId, email, integrationId: connected.integration.id };
}

async function book(tenantId: string, start: string, overrides = {}) {
  const res = await appointments().createAppointment(
    appointmentRequest(tenantId, start, hourAfter(start), { notifyCustomer: true, ...overrides }),
  );
  if (!res.created || !res.appointment) throw new Error("not booked");
  return res;
}

async function syncStatusOf(id: string) {
  return (await appointments().getAppointment({ id })).appointment?.syncStatus;
}

const eventsWithId = (email: string, id: string) =>
  fake.eventsOf(email, email).filter((e) => e.id === googleEventIdFor(id));

async function incrementalSync(tenantId: string) {
  const sync = client(SyncService, grpcTransport(server.baseUrl, serviceKey));
  const res = await sync.triggerSync({ tenantId, provider: Provider.GOOGLE, type: SyncType.INCREMENTAL });
  return waitForSync(server, res.syncId);
}

describe("two-way sync with Google Calendar", () => {
  it("writes a booking's event once, carrying our id and the customer's contact, and answers its id", async () => {
    const { tenantId, email } = await connectedTenant("writes");
    const res = await book(tenantId, at(3, 15));
    const id = res.appointment!.id;
    expect(res.calendarEventId).toBe(googleEventIdFor(id));
    expect(res.appointment!.syncStatus).toBe(ProviderSyncStatus.SYNCED);
    expect(res.confirmationSent).toBe(true);
    const [event] = eventsWithId(email, id);
    expect(event).toMatchObject({
      summary: "Fix leaking sink",
      location: "1 Main St, Springfield",
      extendedProperties: { private: { universalCalendarAppointmentId: id } },
    });
    expect(String(event?.description)).toContain("+15551234567");
    expect(received.find((r) => (r.body.appointment as { id: string }).id === id)?.body).toMatchObject({
      type: "appointment.confirmation",
      customer: { phone: "+15551234567" },
    });
  });

  it("a hold writes no event and sends nothing; ConfirmHold writes the event and the confirmation once", async () => {
    const { tenantId, email } = await connectedTenant("hold");
    const start = at(3, 17);
    const availability = client(AvailabilityService, grpcTransport(server.baseUrl, serviceKey));
    const hold = await availability.holdSlot({
      tenantId,
      startTime: timestampFromDate(new Date(start)),
      endTime: timestampFromDate(new Date(hourAfter(start))),
    });
    expect(hold.held).toBe(true);
    expect(fake.eventsOf(email, email)).toHaveLength(0);
    const confirmed = await availability.confirmHold({
      holdToken: hold.hold!.holdToken,
      appointment: appointmentRequest(tenantId, start, hourAfter(start), { notifyCustomer: true }),
    });
    const id = confirmed.appointment!.id;
    expect(confirmed.appointment!.syncStatus).toBe(ProviderSyncStatus.SYNCED);
    expect(eventsWithId(email, id)).toHaveLength(1);
    expect(fake.eventsOf(email, email)).toHaveLength(1);
    const confirmations = () =>
      received.filter((r) => (r.body.appointment as { id: string }).id === id).map((r) => r.body.type);
    await expect.poll(confirmations, { timeout: 10_000, interval: 100 }).toEqual(["appointment.confirmation"]);
  });

  it("writes the contact it decrypts to the calendar and the notification, and stores it nowhere in the clear", async () => {
    const { tenantId, email } = await connectedTenant("pii");
    const tag = `tw${Date.now().toString(36)}`;
    const pii = {
      customerName: `Ottoline Brackenridge ${tag}`,
      customerPhone: "+14155550177",
      customerEmail: `ob.${tag}@privacy.example`,
      address: `9 Verdigris Row ${tag}`,
      description: `Boiler in the ${tag} cellar`,
      notes: `Dog named ${tag}`,
    };
    const res = await book(tenantId, at(7, 15), pii);
    const id = res.appointment!.id;
    expect(res.appointment).toMatchObject(pii);
    const [event] = eventsWithId(email, id);
    expect(String(event?.description)).toContain(pii.customerName);
    expect(String(event?.description)).toContain(pii.customerPhone);
    expect(event?.location).toBe(pii.address);
    expect(received.find((r) => (r.body.appointment as { id: string }).id === id)?.body).toMatchObject({
      customer: { name: pii.customerName, phone: pii.customerPhone, email: pii.customerEmail },
    });
    // A change and a cancellation the customer is told about, and the event mirrored back by a sync.
    const jwtClient = client(AppointmentService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    await jwtClient.updateAppointment({ id, address: `${pii.address} rear` });
    await incrementalSync(tenantId);
    await jwtClient.cancelAppointment({ id, notifyCustomer: true });
    await expect.poll(() => syncStatusOf(id), { timeout: 20_000, interval: 100 }).toBe(ProviderSyncStatus.SYNCED);

    for (const needle of [tag, "4155550177", "Brackenridge", "Verdigris"]) {
      expect(await columnsHolding(server.orm, needle), needle).toEqual([]);
    }
    expect(await columnsHolding(server.orm, googleEventIdFor(id))).toEqual(
      expect.arrayContaining(['"public"."appointment_calendar_events"."provider_event_id"']),
    );
  });

  it("makes exactly one event when the first calls fail with 500, 429 and 503", async () => {
    const { tenantId, email } = await connectedTenant("retries");
    fake.failApiRequests({ status: 500 }, { status: 429, retryAfterSeconds: 1 }, { status: 503 }, { status: 500 });
    const res = await book(tenantId, at(3, 16));
    const id = res.appointment!.id;
    await expect.poll(() => syncStatusOf(id), { timeout: 20_000, interval: 100 }).toBe(ProviderSyncStatus.SYNCED);
    expect(eventsWithId(email, id)).toHaveLength(1);
    expect(fake.writes.filter((w) => w.eventId === googleEventIdFor(id))).toEqual([
      { method: "POST", eventId: googleEventIdFor(id) },
    ]);
  });

  it("waits out a provider's Retry-After with one wake-up, not a job every turn", async () => {
    const { tenantId } = await connectedTenant("patient");
    fake.failApiRequests({ status: 429, retryAfterSeconds: 2 }, { status: 429, retryAfterSeconds: 2 });
    const res = await book(tenantId, at(3, 18));
    const id = res.appointment!.id;
    await expect.poll(() => syncStatusOf(id), { timeout: 20_000, interval: 100 }).toBe(ProviderSyncStatus.SYNCED);
    // A delivery job queued for a retry's time starts then; started at once, it finds nothing due and
    // queues itself again, round after round, for the whole wait.
    const [row] = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ jobs: number }[]>(
        `select count(*)::int as jobs from ${QUEUE_SCHEMA}.job where name = 'outbox-delivery' and data->>'aggregateId' = ?`,
        [id],
      );
    expect(row!.jobs).toBeGreaterThan(0);
    expect(row!.jobs).toBeLessThanOrEqual(4);
  });

  it("keeps create → update → cancel in order under retries", async () => {
    const { tenantId, email } = await connectedTenant("order");
    const res = await book(tenantId, at(4, 15));
    const id = res.appointment!.id;
    const jwtClient = client(AppointmentService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    fake.failApiRequests({ status: 503 }, { status: 500 });
    const moved = at(4, 18);
    await jwtClient.updateAppointment({
      id,
      startTime: appointmentRequest(tenantId, moved, hourAfter(moved)).startTime,
      endTime: appointmentRequest(tenantId, moved, hourAfter(moved)).endTime,
    });
    fake.failApiRequests({ status: 429 });
    await jwtClient.cancelAppointment({ id });
    const eventId = googleEventIdFor(id);
    const writes = () => fake.writes.filter((w) => w.eventId === eventId).map((w) => w.method);
    await expect.poll(() => writes().at(-1), { timeout: 20_000 }).toBe("DELETE");
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Each write converges the event to the appointment as it is when the write goes out: an update
    // still waiting when the cancel commits has nothing left to patch. Never a write after the delete.
    expect([
      ["POST", "PATCH", "DELETE"],
      ["POST", "DELETE"],
    ]).toContainEqual(writes());
    expect(eventsWithId(email, id)[0]).toMatchObject({ status: "cancelled" });
  });

  it("answers a booking within its budget during a provider outage, PENDING, and the worker finishes", async () => {
    const { tenantId, email } = await connectedTenant("outage");
    fake.apiDelayMs = 4_000;
    try {
      const res = await book(tenantId, at(5, 15));
      expect(res.appointment!.syncStatus).toBe(ProviderSyncStatus.PENDING);
      expect(res.calendarEventId).toBe("");
      const id = res.appointment!.id;
      fake.apiDelayMs = 0;
      await expect.poll(() => syncStatusOf(id), { timeout: 20_000, interval: 100 }).toBe(ProviderSyncStatus.SYNCED);
      expect(eventsWithId(email, id)).toHaveLength(1);
    } finally {
      fake.apiDelayMs = 0;
    }
  });

  it("never counts its own event as busy a second time", async () => {
    const { tenantId } = await connectedTenant("ownbusy");
    const start = at(6, 15);
    await book(tenantId, start);
    await incrementalSync(tenantId);
    const again = await appointments().createAppointment(appointmentRequest(tenantId, start, hourAfter(start)));
    expect(again.created).toBe(false);
    expect(again.conflicts.map((c) => c.kind)).toEqual([ConflictKind.APPOINTMENT]);
  });

  it("brings back a move and a deletion made in the calendar; a conflicting move is flagged", async () => {
    const { tenantId, email } = await connectedTenant("back");
    const first = (await book(tenantId, at(7, 14))).appointment!.id;
    const second = (await book(tenantId, at(7, 16))).appointment!.id;
    const third = (await book(tenantId, at(8, 14))).appointment!.id;
    const blocker = (await book(tenantId, at(8, 18))).appointment!.id;
    const movedTo = at(7, 10);
    fake.updateEvent(email, email, googleEventIdFor(first), {
      start: { dateTime: movedTo },
      end: { dateTime: hourAfter(movedTo) },
    });
    fake.deleteEvent(email, email, googleEventIdFor(second));
    fake.updateEvent(email, email, googleEventIdFor(third), {
      start: { dateTime: at(8, 18) },
      end: { dateTime: hourAfter(at(8, 18)) },
    });
    await incrementalSync(tenantId);

    const read = async (id: string) => (await appointments().getAppointment({ id })).appointment!;
    expect((await read(first)).startTime?.seconds).toBe(BigInt(Date.parse(movedTo) / 1000));
    const cancelled = await read(second);
    expect(cancelled.cancellationNotes).toContain("deleted in the google calendar");
    expect(cancelled.cancellationReason).toBe(CancellationReason.CANCELLED_IN_CALENDAR);
    const rows = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ status: string; cancellation_reason: string }[]>(
        "select status, cancellation_reason from appointments where id = ?",
        [second],
      );
    expect(rows[0]).toEqual({ status: "cancelled", cancellation_reason: "cancelled in calendar" });
    const flagged = await read(third);
    expect(flagged.startTime?.seconds).toBe(BigInt(Date.parse(at(8, 14)) / 1000));
    expect(flagged.calendarConflict).toContain("conflicts");
    const calendars = client(CalendarService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    const status = await calendars.getCalendarStatus({ tenantId });
    expect(status.appointmentIssues).toContainEqual(
      expect.objectContaining({ appointmentId: third, kind: "calendar_conflict" }),
    );
    expect((await read(blocker)).status).toBe((await read(first)).status);
  });

  it("moves, never cancels, an appointment whose event was moved in Google beyond the sync window", async () => {
    const { tenantId, email } = await connectedTenant("faraway");
    const id = (await book(tenantId, at(9, 14))).appointment!.id;
    const farAhead = at(120, 14);
    fake.updateEvent(email, email, googleEventIdFor(id), {
      start: { dateTime: farAhead },
      end: { dateTime: hourAfter(farAhead) },
    });
    await incrementalSync(tenantId);
    const appointment = (await appointments().getAppointment({ id })).appointment!;
    expect(appointment.cancellationReason).toBe(CancellationReason.UNSPECIFIED);
    expect(appointment.startTime?.seconds).toBe(BigInt(Date.parse(farAhead) / 1000));
    expect(eventsWithId(email, id)[0]).toMatchObject({ status: "confirmed" });
  });

  it("trips the mass-delete guard: cancels nothing, marks the integration error, until sync is turned on again", async () => {
    const { tenantId, email, integrationId } = await connectedTenant("guard");
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await book(tenantId, at(9 + i, 15))).appointment!.id);
    for (const id of ids) fake.deleteEvent(email, email, googleEventIdFor(id));
    await incrementalSync(tenantId);
    for (const id of ids) {
      expect((await appointments().getAppointment({ id })).appointment?.status).not.toBe(5 /* CANCELLED */);
    }
    const calendars = client(CalendarService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    const [integration] = (await calendars.getCalendarStatus({ tenantId })).integrations;
    expect(integration?.status).toBe(IntegrationStatus.ERROR);
    expect(integration?.statusReason).toContain("mass-delete guard");
    const released = await calendars.updateSyncSettings({ integrationId, syncEnabled: true });
    expect(released.integration?.status).toBe(IntegrationStatus.ACTIVE);
  });

  it("fails a booking, not 'not required', when the calendar's access is revoked before its event is written", async () => {
    const { tenantId, email } = await connectedTenant("revoked");
    fake.revokeGrant(email);
    fake.expireAccessTokens();
    const failedBooking = async (start: string) => {
      const { id } = (await book(tenantId, start)).appointment!;
      await expect.poll(() => syncStatusOf(id), { timeout: 10_000 }).toBe(ProviderSyncStatus.FAILED);
      return id;
    };
    // The first attempt meets invalid_grant and puts the integration in error; a booking made after
    // that is owed the event all the same and fails with the same reason.
    const id = await failedBooking(at(3, 10));
    const other = await failedBooking(at(3, 12));
    for (const each of [id, other]) {
      const appointment = (await appointments().getAppointment({ id: each })).appointment!;
      expect(appointment.syncError).toBe("the calendar's access was revoked: reconnect it");
      expect(eventsWithId(email, each)).toHaveLength(0);
    }

    // Cancelled while the calendar is blocked, a booking that never got there owes it nothing.
    await appointments().cancelAppointment({ id: other, reason: CancellationReason.CUSTOMER_REQUEST });
    await expect.poll(() => syncStatusOf(other), { timeout: 10_000 }).toBe(ProviderSyncStatus.NOT_REQUIRED);

    // Reconnecting delivers what the calendar is owed.
    fake.loginAs(email);
    await connectGoogle(server, tenantId);
    await expect.poll(() => syncStatusOf(id), { timeout: 10_000 }).toBe(ProviderSyncStatus.SYNCED);
    expect(eventsWithId(email, id)).toHaveLength(1);
    expect(eventsWithId(email, other)).toHaveLength(0);
  });

  it("writes what was booked while sync was off once it is turned on again", async () => {
    const { tenantId, email, integrationId } = await connectedTenant("paused");
    const calendars = client(CalendarService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    await calendars.updateSyncSettings({ integrationId, syncEnabled: false });
    const res = await book(tenantId, at(5, 9));
    const id = res.appointment!.id;
    expect(res.appointment!.syncStatus).toBe(ProviderSyncStatus.NOT_REQUIRED);
    expect(eventsWithId(email, id)).toHaveLength(0);

    await calendars.updateSyncSettings({ integrationId, syncEnabled: true });
    await expect.poll(() => syncStatusOf(id), { timeout: 10_000 }).toBe(ProviderSyncStatus.SYNCED);
    expect(eventsWithId(email, id)).toHaveLength(1);
  });

  it("writes the events of upcoming appointments booked before the calendar was connected, once", async () => {
    const tenantId = newTenantId();
    const email = `later-${tenantId}@example.test`;
    const [first, second, cancelled] = await Promise.all(
      [at(4, 9), at(4, 11), at(4, 13)].map(async (start) => (await book(tenantId, start)).appointment!),
    );
    expect(first!.syncStatus).toBe(ProviderSyncStatus.NOT_REQUIRED);
    await appointments().cancelAppointment({ id: cancelled!.id, reason: CancellationReason.CUSTOMER_REQUEST });

    fake.addAccount(email);
    fake.loginAs(email);
    const connected = await connectGoogle(server, tenantId);
    await waitForSync(server, connected.syncId);
    for (const { id } of [first!, second!]) {
      await expect.poll(() => syncStatusOf(id), { timeout: 10_000 }).toBe(ProviderSyncStatus.SYNCED);
      expect(eventsWithId(email, id)).toHaveLength(1);
    }
    expect(eventsWithId(email, cancelled!.id)).toHaveLength(0);

    // Connecting again owes nothing more: no second event.
    await connectGoogle(server, tenantId);
    await incrementalSync(tenantId);
    for (const { id } of [first!, second!]) expect(eventsWithId(email, id)).toHaveLength(1);
    expect(fake.writes.filter((w) => w.eventId === googleEventIdFor(first!.id))).toHaveLength(1);
  });

  it("writes upcoming appointments' events to a calendar made the receiving one; the old one keeps and updates its own", async () => {
    const tenantId = newTenantId();
    const email = `moved-${tenantId}@example.test`;
    const team = `team-${tenantId}@group.example.test`;
    fake.addAccount(email, [{ id: team, summary: "Team" }]);
    fake.loginAs(email);
    const connected = await connectGoogle(server, tenantId);
    await waitForSync(server, connected.syncId);
    const id = (await book(tenantId, at(6, 9))).appointment!.id;
    await expect.poll(() => syncStatusOf(id), { timeout: 10_000 }).toBe(ProviderSyncStatus.SYNCED);
    const teamEvents = () => fake.eventsOf(email, team).filter((e) => e.id === googleEventIdFor(id));

    const calendars = client(CalendarService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    await calendars.updateCalendarSelection({
      integrationId: connected.integration.id,
      calendars: [
        { calendarId: email, checkConflicts: true, receivesEvents: false },
        { calendarId: team, checkConflicts: true, receivesEvents: true },
      ],
    });
    await expect.poll(() => teamEvents().length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => syncStatusOf(id), { timeout: 10_000 }).toBe(ProviderSyncStatus.SYNCED);
    expect(eventsWithId(email, id)).toHaveLength(1);

    // The event the old calendar holds still follows the appointment, and the move reaches both.
    const moved = at(6, 14);
    const jwtClient = client(AppointmentService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    const request = appointmentRequest(tenantId, moved, hourAfter(moved));
    await jwtClient.updateAppointment({ id, startTime: request.startTime, endTime: request.endTime });
    const startOf = (events: Record<string, unknown>[]) => (events[0]?.start as { dateTime?: string })?.dateTime;
    for (const events of [() => eventsWithId(email, id), teamEvents]) {
      await expect.poll(() => Date.parse(startOf(events()) ?? ""), { timeout: 10_000 }).toBe(Date.parse(moved));
    }
    // Saving the same selection again owes nothing: still one event there.
    await calendars.updateCalendarSelection({
      integrationId: connected.integration.id,
      calendars: [{ calendarId: team, checkConflicts: true, receivesEvents: true }],
    });
    await incrementalSync(tenantId);
    expect(teamEvents()).toHaveLength(1);
    expect(fake.writes.filter((w) => w.eventId === googleEventIdFor(id) && w.method === "POST")).toHaveLength(2);
  });

  it("two server instances delivering one outbox never duplicate an event", async () => {
    const { tenantId, email } = await connectedTenant("two");
    const second = await startTestServer({
      databaseUrl: database.url,
      env: { ...fake.env(), ...ENV, FAST_PATH_BUDGET_MS: "0" },
    });
    try {
      const quiet = await startTestServer({
        databaseUrl: database.url,
        env: { ...fake.env(), ...ENV, FAST_PATH_BUDGET_MS: "0" },
      });
      const ids: string[] = [];
      try {
        for (let i = 0; i < 8; i++) {
          const start = at(20 + i, 15);
          const res = await appointments(quiet).createAppointment(
            appointmentRequest(tenantId, start, hourAfter(start)),
          );
          ids.push(res.appointment!.id);
        }
      } finally {
        await quiet.close();
      }
      fake.apiDelayMs = 30;
      await Promise.all(
        ids.flatMap((aggregateId) => [
          deliverAggregate(server.app, { tenantId, aggregateId }),
          deliverAggregate(second.app, { tenantId, aggregateId }),
          deliverAggregate(server.app, { tenantId, aggregateId }),
        ]),
      );
      fake.apiDelayMs = 0;
      for (const id of ids) {
        // A row a worker (or the closed instance) still holds under its claim is finished by it, not by these calls.
        await expect.poll(() => eventsWithId(email, id).length, { timeout: 10_000 }).toBeGreaterThan(0);
        expect(eventsWithId(email, id)).toHaveLength(1);
        expect(fake.writes.filter((w) => w.eventId === googleEventIdFor(id))).toHaveLength(1);
      }
    } finally {
      fake.apiDelayMs = 0;
      await second.close();
    }
  });
});
