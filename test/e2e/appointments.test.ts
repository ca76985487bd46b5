import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AppointmentService,
  AppointmentStatus,
  CancellationReason,
} from "../../gen/universalcalendar/v1/appointment_pb.js";
import { ConflictKind } from "../../gen/universalcalendar/v1/common_pb.js";
import { fixedClock } from "../../src/domain/clock.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, connectTransport, grpcTransport, postJson, serviceKey } from "../support/clients.js";
import { serviceKeyId } from "../../src/auth/credentials.js";
import { mintJwt, newTenantId, startTestServer, TEST_SERVICE_KEY, type TestServer } from "../support/test-server.js";
import { errorOf } from "../support/errors.js";

// Monday 2030-01-07; the clock sits just before so suggested slots are in reach.
const clock = fixedClock("2030-01-06T12:00:00Z");
let server: TestServer;
let second: TestServer;

beforeAll(async () => {
  [server, second] = await Promise.all([startTestServer({ clock }), startTestServer({ clock })]);
});
afterAll(async () => {
  await Promise.all([server?.close(), second?.close()]);
});

const keyClient = () => client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));
const jwtClient = async (tenantId: string) =>
  client(AppointmentService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));

async function rowCount(table: string, tenantId: string): Promise<number> {
  const [row] = await server.orm.em
    .fork()
    .execute<{ n: string }[]>(`select count(*) as n from ${table} where tenant_id = ?`, [tenantId]);
  return Number(row?.n);
}

describe("CreateAppointment", () => {
  it("books a valid request and reads it back", async () => {
    const tenantId = newTenantId();
    const res = await keyClient().createAppointment(
      appointmentRequest(tenantId, "2030-01-07T16:00:00Z", "2030-01-07T17:00:00Z", { latitude: 40.7, longitude: -74 }),
    );
    expect(res.created).toBe(true);
    expect(res.appointment).toMatchObject({
      tenantId,
      status: AppointmentStatus.PENDING,
      estimatedCost: "350.00",
      customerPhone: "+15551234567",
      latitude: 40.7,
      longitude: -74,
      version: 1n,
    });
    const read = await (await jwtClient(tenantId)).getAppointment({ id: res.appointment!.id });
    expect(read.appointment?.title).toBe("Fix leaking sink");
    expect(timestampDate(read.appointment!.startTime!).toISOString()).toBe("2030-01-07T16:00:00.000Z");
    // No calendar receives the tenant's events: nothing to deliver, so nothing queued.
    expect(await rowCount("outbox", tenantId)).toBe(0);
    const [audit] = await server.orm.em
      .fork()
      .execute<{ actor: string; action: string }[]>(
        `select actor, action from audit_log where tenant_id = ? order by id limit 1`,
        [tenantId],
      );
    expect(audit).toEqual({ actor: `service:${serviceKeyId(TEST_SERVICE_KEY)}`, action: "appointment.created" });
  });

  it.each([
    ["customer_phone", { customerPhone: "555-1234" }],
    ["customer_phone", { customerPhone: "" }],
    ["customer_email", { customerEmail: "not-an-email" }],
    ["customer_name", { customerName: "  " }],
    ["title", { title: "x".repeat(256) }],
    ["title", { title: "" }],
    ["estimated_cost", { estimatedCost: "-1.00" }],
    ["estimated_cost", { estimatedCost: "10.999" }],
    ["estimated_cost", { estimatedCost: "ten" }],
    ["latitude", { latitude: 91, longitude: 0 }],
    ["longitude", { latitude: 0, longitude: -181 }],
    ["longitude", { latitude: 10 }],
    ["status", { status: AppointmentStatus.COMPLETED }],
    ["idempotency_key", { idempotencyKey: "k".repeat(256) }],
    ["start_time", { startTime: undefined }],
    ["end_time", { endTime: timestampFromDate(new Date("2030-01-07T16:00:00Z")) }],
    ["end_time", { endTime: timestampFromDate(new Date("2030-01-08T16:00:01Z")) }],
    ["tenant_id", { tenantId: "" }],
  ])("refuses a bad %s with invalid_argument and writes nothing", async (field, overrides) => {
    const tenantId = newTenantId();
    const error = await errorOf(
      keyClient().createAppointment(
        appointmentRequest(tenantId, "2030-01-07T16:00:00Z", "2030-01-07T17:00:00Z", overrides),
      ),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toMatch(new RegExp(`^${field}:`));
    expect(await rowCount("appointments", tenantId)).toBe(0);
    expect(await rowCount("audit_log", tenantId)).toBe(0);
  });

  it("answers plain JSON callers with the field name too", async () => {
    const res = await postJson(
      server.baseUrl,
      "universalcalendar.v1.AppointmentService/CreateAppointment",
      {
        tenantId: newTenantId(),
        customerName: "A",
        customerPhone: "+15551234567",
        title: "t",
        startTime: "2030-01-07T17:00:00Z",
        endTime: "2030-01-07T16:00:00Z",
      },
      serviceKey,
    );
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: "invalid_argument", message: "end_time: must be after start_time" });
  });

  it("books back-to-back appointments (half-open intervals)", async () => {
    const tenantId = newTenantId();
    const a = await keyClient().createAppointment(
      appointmentRequest(tenantId, "2030-01-07T10:00:00Z", "2030-01-07T11:00:00Z"),
    );
    const b = await keyClient().createAppointment(
      appointmentRequest(tenantId, "2030-01-07T11:00:00Z", "2030-01-07T12:00:00Z"),
    );
    expect([a.created, b.created]).toEqual([true, true]);
  });

  it("never lets two tenants conflict", async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        keyClient().createAppointment(
          appointmentRequest(newTenantId(), "2030-01-07T10:00:00Z", "2030-01-07T11:00:00Z"),
        ),
      ),
    );
    expect(results.every((r) => r.created)).toBe(true);
  });
});

describe("the hot-slot race", () => {
  async function race(servers: TestServer[], tenantId: string) {
    // Separate transports (connections) per caller: real parallel requests.
    const calls = Array.from({ length: 50 }, (_, i) => {
      const target = servers[i % servers.length]!;
      const start = new Date(Date.parse("2030-01-08T15:00:00Z") + (i % 5) * 10 * 60_000);
      const end = new Date(start.getTime() + 60 * 60_000);
      return client(AppointmentService, grpcTransport(target.baseUrl, serviceKey)).createAppointment(
        appointmentRequest(tenantId, start.toISOString(), end.toISOString()),
      );
    });
    return Promise.all(calls);
  }

  it.each([
    ["one server", () => [server]],
    ["two servers on one database", () => [server, second]],
  ])("books exactly one of 50 overlapping requests (%s)", async (_, servers) => {
    const tenantId = newTenantId();
    const results = await race(servers(), tenantId);
    const winners = results.filter((r) => r.created);
    expect(winners).toHaveLength(1);
    const winnerId = winners[0]!.appointment!.id;
    const losers = results.filter((r) => !r.created);
    expect(losers).toHaveLength(49);
    for (const loser of losers) {
      expect(loser.conflicts.map((c) => [c.kind, c.id])).toContainEqual([ConflictKind.APPOINTMENT, winnerId]);
    }
    expect(await rowCount("appointments", tenantId)).toBe(1);
  });
});

describe("idempotency", () => {
  it("turns parallel retries with one key into one row and one answer", async () => {
    const tenantId = newTenantId();
    const request = appointmentRequest(tenantId, "2030-01-09T15:00:00Z", "2030-01-09T16:00:00Z", {
      idempotencyKey: "call-123",
      notifyCustomer: true,
    });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client(AppointmentService, grpcTransport((i % 2 ? second : server).baseUrl, serviceKey)).createAppointment(
          request,
        ),
      ),
    );
    const ids = new Set(results.map((r) => r.appointment?.id));
    expect(results.every((r) => r.created)).toBe(true);
    expect(ids.size).toBe(1);
    expect(await rowCount("appointments", tenantId)).toBe(1);
    // One confirmation queued (no calendar receives events, so no calendar row).
    expect(await rowCount("outbox", tenantId)).toBe(1);
  });

  it("replays a refusal too, and refuses the key with another body", async () => {
    const tenantId = newTenantId();
    await keyClient().createAppointment(appointmentRequest(tenantId, "2030-01-09T15:00:00Z", "2030-01-09T16:00:00Z"));
    const clash = appointmentRequest(tenantId, "2030-01-09T15:30:00Z", "2030-01-09T16:30:00Z", {
      idempotencyKey: "k1",
    });
    const first = await keyClient().createAppointment(clash);
    const again = await keyClient().createAppointment(clash);
    expect(first.created).toBe(false);
    expect(again).toEqual(first);
    const other = appointmentRequest(tenantId, "2030-01-09T18:00:00Z", "2030-01-09T19:00:00Z", {
      idempotencyKey: "k1",
    });
    expect((await errorOf(keyClient().createAppointment(other))).code).toBe(Code.AlreadyExists);
  });

  it("scopes keys by tenant", async () => {
    const request = (tenantId: string) =>
      appointmentRequest(tenantId, "2030-01-09T15:00:00Z", "2030-01-09T16:00:00Z", { idempotencyKey: "shared" });
    const [a, b] = [newTenantId(), newTenantId()];
    const ra = await keyClient().createAppointment(request(a));
    const rb = await keyClient().createAppointment(request(b));
    expect(ra.created && rb.created).toBe(true);
    expect(ra.appointment?.id).not.toBe(rb.appointment?.id);
  });
});

describe("UpdateAppointment", () => {
  async function book(tenantId: string, start = "2030-01-10T15:00:00Z", end = "2030-01-10T16:00:00Z") {
    const res = await keyClient().createAppointment(appointmentRequest(tenantId, start, end));
    return res.appointment!;
  }

  it("changes only the fields present and bumps the version", async () => {
    const tenantId = newTenantId();
    const booked = await book(tenantId);
    const api = await jwtClient(tenantId);
    const res = await api.updateAppointment({ id: booked.id, notes: "gate code 1234", expectedVersion: 1n });
    expect(res.updated).toBe(true);
    expect(res.appointment).toMatchObject({
      notes: "gate code 1234",
      title: booked.title,
      customerName: booked.customerName,
      version: 2n,
    });
    const [audit] = await server.orm.em
      .fork()
      .execute<{ actor: string }[]>(
        `select actor from audit_log where tenant_id = ? and action = 'appointment.updated'`,
        [tenantId],
      );
    expect(audit?.actor).toBe(`jwt:user-of-${tenantId}`);
  });

  it("refuses a stale expected_version with aborted and changes nothing", async () => {
    const tenantId = newTenantId();
    const booked = await book(tenantId);
    const api = await jwtClient(tenantId);
    await api.updateAppointment({ id: booked.id, notes: "first editor", expectedVersion: 1n });
    const error = await errorOf(api.updateAppointment({ id: booked.id, notes: "second editor", expectedVersion: 1n }));
    expect(error.code).toBe(Code.Aborted);
    expect((await api.getAppointment({ id: booked.id })).appointment?.notes).toBe("first editor");
    // A version no read could have returned is the caller's mistake, not a race.
    for (const expectedVersion of [-1n, 2n ** 63n - 1n]) {
      const bad = await errorOf(api.updateAppointment({ id: booked.id, notes: "third", expectedVersion }));
      expect([bad.code, bad.rawMessage.split(":")[0]]).toEqual([Code.InvalidArgument, "expected_version"]);
    }
    expect((await api.getAppointment({ id: booked.id })).appointment?.notes).toBe("first editor");
  });

  it("re-checks conflicts when moving, and moves into free time", async () => {
    const tenantId = newTenantId();
    const a = await book(tenantId, "2030-01-10T15:00:00Z", "2030-01-10T16:00:00Z");
    const b = await book(tenantId, "2030-01-10T17:00:00Z", "2030-01-10T18:00:00Z");
    const api = await jwtClient(tenantId);
    const clash = await api.updateAppointment({
      id: b.id,
      startTime: timestampFromDate(new Date("2030-01-10T15:30:00Z")),
      endTime: timestampFromDate(new Date("2030-01-10T16:30:00Z")),
    });
    expect(clash.updated).toBe(false);
    expect(clash.conflicts.map((c) => c.id)).toEqual([a.id]);
    expect(timestampDate(clash.appointment!.startTime!).toISOString()).toBe("2030-01-10T17:00:00.000Z");
    const moved = await api.updateAppointment({
      id: b.id,
      startTime: timestampFromDate(new Date("2030-01-10T16:00:00Z")),
      endTime: timestampFromDate(new Date("2030-01-10T17:00:00Z")),
    });
    expect(moved.updated).toBe(true);
    expect(timestampDate(moved.appointment!.startTime!).toISOString()).toBe("2030-01-10T16:00:00.000Z");
  });

  it("follows the status lifecycle", async () => {
    const tenantId = newTenantId();
    const api = await jwtClient(tenantId);
    const booked = await book(tenantId);
    for (const status of [AppointmentStatus.CONFIRMED, AppointmentStatus.IN_PROGRESS, AppointmentStatus.COMPLETED]) {
      expect((await api.updateAppointment({ id: booked.id, status })).appointment?.status).toBe(status);
    }
    expect((await errorOf(api.updateAppointment({ id: booked.id, status: AppointmentStatus.CONFIRMED }))).code).toBe(
      Code.FailedPrecondition,
    );

    const second = await book(tenantId, "2030-01-11T15:00:00Z", "2030-01-11T16:00:00Z");
    expect((await errorOf(api.updateAppointment({ id: second.id, status: AppointmentStatus.COMPLETED }))).code).toBe(
      Code.FailedPrecondition,
    );
    expect((await errorOf(api.updateAppointment({ id: second.id, status: AppointmentStatus.CANCELLED }))).code).toBe(
      Code.InvalidArgument,
    );
    await api.updateAppointment({ id: second.id, status: AppointmentStatus.NO_SHOW });
    expect((await errorOf(api.updateAppointment({ id: second.id, notes: "late" }))).code).toBe(Code.FailedPrecondition);
  });

  it("validates patched fields by name", async () => {
    const tenantId = newTenantId();
    const booked = await book(tenantId);
    const api = await jwtClient(tenantId);
    const error = await errorOf(api.updateAppointment({ id: booked.id, customerPhone: "12345" }));
    expect(error.rawMessage).toMatch(/^customer_phone:/);
    const backwards = await errorOf(
      api.updateAppointment({ id: booked.id, endTime: timestampFromDate(new Date("2030-01-10T14:00:00Z")) }),
    );
    expect(backwards.rawMessage).toMatch(/^end_time:/);
  });
});

describe("CancelAppointment", () => {
  it("frees the slot at once, keeps the row, and is harmless twice", async () => {
    const tenantId = newTenantId();
    const booked = await keyClient().createAppointment(
      appointmentRequest(tenantId, "2030-01-12T15:00:00Z", "2030-01-12T16:00:00Z"),
    );
    const api = await jwtClient(tenantId);
    const first = await api.cancelAppointment({
      id: booked.appointment!.id,
      reason: CancellationReason.CUSTOMER_REQUEST,
      notes: "customer fixed it",
      notifyCustomer: true,
    });
    expect(first.cancelled).toBe(true);
    expect(first.appointment).toMatchObject({
      status: AppointmentStatus.CANCELLED,
      cancellationReason: CancellationReason.CUSTOMER_REQUEST,
      cancellationNotes: "customer fixed it",
    });
    const rebook = await keyClient().createAppointment(
      appointmentRequest(tenantId, "2030-01-12T15:00:00Z", "2030-01-12T16:00:00Z"),
    );
    expect(rebook.created).toBe(true);
    const again = await api.cancelAppointment({ id: booked.appointment!.id, reason: CancellationReason.OTHER });
    expect(again.cancelled).toBe(false);
    expect(again.appointment?.cancellationReason).toBe(CancellationReason.CUSTOMER_REQUEST);
    expect(await rowCount("appointments", tenantId)).toBe(2);
  });
});

describe("ListAppointments", () => {
  it("pages in start order with total and pages, and filters by date and status", async () => {
    const tenantId = newTenantId();
    const api = await jwtClient(tenantId);
    const bookings = Array.from({ length: 25 }, (_, i) => {
      const start = new Date(Date.parse("2030-02-01T08:00:00Z") + i * 6 * 3_600_000);
      return appointmentRequest(tenantId, start.toISOString(), new Date(start.getTime() + 3_600_000).toISOString());
    });
    for (const request of bookings.reverse()) await keyClient().createAppointment(request);

    const page1 = await api.listAppointments({ page: 1, limit: 10 });
    expect([page1.appointments.length, page1.total, page1.pages]).toEqual([10, 25, 3]);
    const starts = page1.appointments.map((a) => timestampDate(a.startTime!).getTime());
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    const page3 = await api.listAppointments({ page: 3, limit: 10 });
    expect(page3.appointments).toHaveLength(5);
    const beyond = await api.listAppointments({ page: 4, limit: 10 });
    expect(beyond.appointments).toHaveLength(0);
    const defaults = await api.listAppointments({});
    expect([defaults.limit, defaults.appointments.length]).toEqual([20, 20]);

    const day = await api.listAppointments({ startDate: "2030-02-02", endDate: "2030-02-02" });
    expect(day.total).toBe(4);
    await api.updateAppointment({ id: page1.appointments[0]!.id, status: AppointmentStatus.CONFIRMED });
    const confirmed = await api.listAppointments({ statuses: [AppointmentStatus.CONFIRMED] });
    expect(confirmed.appointments.map((a) => a.id)).toEqual([page1.appointments[0]!.id]);
  });

  it("answers every combination of filters, each many times over the pool's connections", async () => {
    // Each combination is its own prepared statement; names PostgreSQL cut to the same 63 bytes
    // once collided on a connection (42P05, an internal error for every later call of one of them).
    const tenantId = newTenantId();
    const booked = await keyClient().createAppointment(
      appointmentRequest(tenantId, "2030-03-01T10:00:00Z", "2030-03-01T11:00:00Z", {
        customerId: "cust-1",
        leadId: "lead-1",
        conversationId: "conv-1",
      }),
    );
    expect(booked.created).toBe(true);
    const filters = [
      { startDate: "2030-03-01", endDate: "2030-03-01" },
      { statuses: [AppointmentStatus.PENDING] },
      { customerId: "cust-1" },
      { leadId: "lead-1" },
      { conversationId: "conv-1" },
      { customerPhone: "+15551234567" },
    ];
    const combinations = Array.from({ length: 2 ** filters.length }, (_, bits) =>
      Object.assign({ tenantId }, ...filters.filter((_, i) => bits & (2 ** i))),
    );
    for (let round = 0; round < 4; round++) {
      const totals = await Promise.all(
        combinations.flatMap((request) =>
          Array.from({ length: 3 }, async () => (await keyClient().listAppointments(request)).total),
        ),
      );
      expect(new Set(totals)).toEqual(new Set([1]));
    }
  });

  it.each([
    ["limit", { limit: 101 }],
    ["limit", { limit: -1 }],
    ["page", { page: -1 }],
    ["start_date", { startDate: "2030-13-01" }],
    ["end_date", { startDate: "2030-02-02", endDate: "2030-02-01" }],
  ])("refuses a bad %s", async (field, request) => {
    const api = await jwtClient(newTenantId());
    const error = await errorOf(api.listAppointments(request));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toMatch(new RegExp(`^${field}:`));
  });
});

describe("tenant isolation", () => {
  it("hides another tenant's appointments and refuses its tenant_id", async () => {
    const owner = newTenantId();
    const booked = await keyClient().createAppointment(
      appointmentRequest(owner, "2030-01-13T15:00:00Z", "2030-01-13T16:00:00Z"),
    );
    const id = booked.appointment!.id;
    const intruder = await jwtClient(newTenantId());
    expect((await errorOf(intruder.getAppointment({ id }))).code).toBe(Code.NotFound);
    expect((await errorOf(intruder.updateAppointment({ id, notes: "x" }))).code).toBe(Code.NotFound);
    expect((await errorOf(intruder.cancelAppointment({ id }))).code).toBe(Code.NotFound);
    expect((await errorOf(intruder.listAppointments({ tenantId: owner }))).code).toBe(Code.PermissionDenied);
    expect((await errorOf(intruder.getAppointment({ id: "not-a-uuid" }))).code).toBe(Code.InvalidArgument);
    const untouched = await keyClient().getAppointment({ id });
    expect(untouched.appointment?.notes).toBe("");
  });
});

describe("blocks and calendar time", () => {
  async function insertBlock(tenantId: string, type: "hard" | "soft", start: string, end: string): Promise<string> {
    const [row] = await server.orm.em.fork().execute<{ id: string }[]>(
      `insert into availability_blocks (tenant_id, start_time, end_time, title, block_type, created_by)
         values (?, ?, ?, 'Truck in the shop', ?, 'test') returning id`,
      [tenantId, start, end, type],
    );
    return row!.id;
  }

  it("refuses a booking over a hard block, naming it; a soft block does not stop it", async () => {
    const tenantId = newTenantId();
    const hardId = await insertBlock(tenantId, "hard", "2030-01-14T15:00:00Z", "2030-01-14T17:00:00Z");
    await insertBlock(tenantId, "soft", "2030-01-14T18:00:00Z", "2030-01-14T20:00:00Z");
    const refused = await keyClient().createAppointment(
      appointmentRequest(tenantId, "2030-01-14T16:00:00Z", "2030-01-14T17:00:00Z"),
    );
    expect(refused.created).toBe(false);
    expect(refused.conflicts).toHaveLength(1);
    expect(refused.conflicts[0]).toMatchObject({ kind: ConflictKind.BLOCK, id: hardId, title: "Truck in the shop" });
    expect(await rowCount("appointments", tenantId)).toBe(0);
    const soft = await keyClient().createAppointment(
      appointmentRequest(tenantId, "2030-01-14T18:00:00Z", "2030-01-14T19:00:00Z"),
    );
    expect(soft.created).toBe(true);
  });

  it("refuses a booking over busy time of a conflict-checked calendar", async () => {
    const tenantId = newTenantId();
    const em = server.orm.em.fork();
    const { integration, calendar } = await conflictCheckedCalendar(tenantId, "google", "primary");
    await em.execute(
      `insert into provider_busy_events (tenant_id, integration_id, calendar_id, provider_event_id, start_time, end_time, title)
       values (?, ?, ?, 'evt-1', '2030-01-15T15:00:00Z', '2030-01-15T16:00:00Z', 'Dentist')`,
      [tenantId, integration.id, calendar.id],
    );
    const refused = await keyClient().createAppointment(
      appointmentRequest(tenantId, "2030-01-15T15:30:00Z", "2030-01-15T16:30:00Z"),
    );
    expect(refused.created).toBe(false);
    expect(refused.conflicts[0]).toMatchObject({ kind: ConflictKind.CALENDAR_EVENT, id: "evt-1" });
  });

  it("does not count a calendar's copy of our own appointment, known only by its mapping, as busy time", async () => {
    const tenantId = newTenantId();
    const em = server.orm.em.fork();
    const { integration, calendar } = await conflictCheckedCalendar(tenantId, "apple", "/cal/home/");
    const booked = await keyClient().createAppointment(
      appointmentRequest(tenantId, "2030-01-16T10:00:00Z", "2030-01-16T11:00:00Z"),
    );
    // The calendar still shows the appointment's event at 14:00 (moved by us, not yet synced back),
    // and an event at 16:00 whose id only another tenant's mapping names.
    await em.execute(
      `insert into provider_busy_events (tenant_id, integration_id, calendar_id, provider_event_id, start_time, end_time, title)
       values (?, ?, ?, 'ours.ics', '2030-01-16T14:00:00Z', '2030-01-16T15:00:00Z', 'Job'),
              (?, ?, ?, 'theirs.ics', '2030-01-16T16:00:00Z', '2030-01-16T17:00:00Z', 'Dentist')`,
      [tenantId, integration.id, calendar.id, tenantId, integration.id, calendar.id],
    );
    const other = await keyClient().createAppointment(
      appointmentRequest(newTenantId(), "2030-01-16T10:00:00Z", "2030-01-16T11:00:00Z"),
    );
    await em.execute(
      `insert into appointment_calendar_events (tenant_id, appointment_id, calendar_id, integration_id, provider_calendar_id, provider_event_id)
       values (?, ?, ?, ?, '/cal/home/', 'ours.ics'), (?, ?, ?, ?, '/cal/home/', 'theirs.ics')`,
      [
        tenantId,
        booked.appointment!.id,
        calendar.id,
        integration.id,
        other.appointment!.tenantId,
        other.appointment!.id,
        calendar.id,
        integration.id,
      ],
    );
    const free = await keyClient().createAppointment(
      appointmentRequest(tenantId, "2030-01-16T14:00:00Z", "2030-01-16T15:00:00Z"),
    );
    expect(free.created).toBe(true);
    const refused = await keyClient().createAppointment(
      appointmentRequest(tenantId, "2030-01-16T16:00:00Z", "2030-01-16T17:00:00Z"),
    );
    expect(refused.conflicts.map((c) => c.id)).toEqual(["theirs.ics"]);
  });

  it("suggests the next free slots of the same length inside business hours", async () => {
    const tenantId = newTenantId();
    // Default rules: Mon-Fri 09:00-17:00 UTC, 30-minute steps.
    await keyClient().createAppointment(appointmentRequest(tenantId, "2030-01-07T09:00:00Z", "2030-01-07T11:00:00Z"));
    const refused = await keyClient().createAppointment(
      appointmentRequest(tenantId, "2030-01-07T10:00:00Z", "2030-01-07T11:00:00Z"),
    );
    expect(refused.created).toBe(false);
    expect(refused.suggestedSlots.map((s) => timestampDate(s.startTime!).toISOString())).toEqual([
      "2030-01-07T11:00:00.000Z",
      "2030-01-07T11:30:00.000Z",
      "2030-01-07T12:00:00.000Z",
    ]);
    for (const slot of refused.suggestedSlots) {
      expect(timestampDate(slot.endTime!).getTime() - timestampDate(slot.startTime!).getTime()).toBe(3_600_000);
    }
  });
});

/** A connected calendar of provider whose busy time counts against bookings (rows only, no provider behind it). */
async function conflictCheckedCalendar(
  tenantId: string,
  provider: string,
  providerCalendarId: string,
): Promise<{ integration: { id: string }; calendar: { id: string } }> {
  const em = server.orm.em.fork();
  const [integration] = await em.execute<{ id: string }[]>(
    `insert into calendar_integrations (tenant_id, provider, account_email) values (?, ?, 'owner@example.test') returning id`,
    [tenantId, provider],
  );
  const [calendar] = await em.execute<{ id: string }[]>(
    `insert into integration_calendars (tenant_id, integration_id, provider_calendar_id, check_conflicts)
     values (?, ?, ?, true) returning id`,
    [tenantId, integration!.id, providerCalendarId],
  );
  return { integration: integration!, calendar: calendar! };
}
