import { timestampDate, timestampFromDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AvailabilityMode,
  AvailabilityService,
  BlockType,
  Weekday,
} from "../../gen/universalcalendar/v1/availability_pb.js";
import { AppointmentService } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { ConflictKind } from "../../gen/universalcalendar/v1/common_pb.js";
import { findSuggestedSlots } from "../../src/app/availability/find-suggested-slots.js";
import { fixedClock } from "../../src/domain/clock.js";
import { AppointmentSchema } from "../../src/entities/appointment.js";
import { CalendarIntegrationSchema } from "../../src/entities/calendar-integration.js";
import { IntegrationCalendarSchema } from "../../src/entities/integration-calendar.js";
import { ProviderBusyEventSchema } from "../../src/entities/provider-busy-event.js";
import { client, connectTransport, grpcTransport, postJson, serviceKey } from "../support/clients.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { errorOf } from "../support/errors.js";

// Saturday before Monday 2030-06-03.
const clock = fixedClock("2030-06-01T12:00:00Z");
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ clock });
});
afterAll(() => server?.close());

const keyClient = () => client(AvailabilityService, grpcTransport(server.baseUrl, serviceKey));
const jwtClient = async (tenantId: string) =>
  client(AvailabilityService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));

const officeHours = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, ranges: [{ start: "09:00", end: "17:00" }] }));

/** UTC office hours, hourly slots, no notice: easy to read expectations. */
async function tenantWithHourlyRules(): Promise<string> {
  const tenantId = newTenantId();
  await (
    await jwtClient(tenantId)
  ).updateSchedulingRules({
    rules: { timeZone: "UTC", weeklyHours: officeHours, slotIntervalMinutes: 60, minimumNoticeMinutes: 0 },
  });
  return tenantId;
}

async function insertAppointment(tenantId: string, start: string, end: string, status = "confirmed"): Promise<string> {
  const em = server.orm.em.fork();
  const appointment = em.create(AppointmentSchema, {
    tenantId,
    title: "Boiler service",
    startTime: new Date(start),
    endTime: new Date(end),
    status,
    createdBy: "test",
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  await em.flush();
  return appointment.id;
}

/** A connected calendar with mirror rows, as the sync would leave them. */
async function insertCalendar(
  tenantId: string,
  options: { timeZone?: string; checkConflicts?: boolean; primary?: boolean },
  events: {
    id: string;
    start: string;
    end: string;
    status?: string;
    transparent?: boolean;
    allDay?: [string, string];
  }[],
): Promise<void> {
  const em = server.orm.em.fork();
  const integration = em.create(CalendarIntegrationSchema, {
    tenantId,
    provider: "google",
    accountEmail: `${Math.random()}@example.test`,
    createdAt: new Date(),
    updatedAt: new Date(),
  });
  await em.flush();
  const calendar = em.create(IntegrationCalendarSchema, {
    tenantId,
    integrationId: integration.id,
    providerCalendarId: `cal-${Math.random()}`,
    timeZone: options.timeZone ?? null,
    isPrimary: options.primary ?? true,
    checkConflicts: options.checkConflicts ?? true,
    createdAt: new Date(),
  });
  await em.flush();
  for (const event of events) {
    em.create(ProviderBusyEventSchema, {
      tenantId,
      integrationId: integration.id,
      calendarId: calendar.id,
      providerEventId: event.id,
      startTime: new Date(event.allDay ? `${event.allDay[0]}T00:00:00Z` : event.start),
      endTime: new Date(event.allDay ? `${event.allDay[1]}T00:00:00Z` : event.end),
      allDay: event.allDay !== undefined,
      startDate: event.allDay?.[0] ?? null,
      endDate: event.allDay?.[1] ?? null,
      status: event.status ?? "confirmed",
      transparent: event.transparent ?? false,
      title: "private",
      updatedAt: new Date(),
    });
  }
  await em.flush();
}

type Days = { date: string; slots: { startTime?: Timestamp }[] }[];

function hoursOf(days: Days, date: string): number[] {
  const day = days.find((d) => d.date === date);
  if (!day) throw new Error(`no entry for ${date}`);
  return day.slots.map((slot) => timestampDate(slot.startTime!).getUTCHours());
}

describe("scheduling rules", () => {
  it("answers the defaults for a tenant that never set any", async () => {
    const res = await (await jwtClient(newTenantId())).getSchedulingRules({});
    expect(res.isDefault).toBe(true);
    expect(res.updatedAt).toBeUndefined();
    expect(res.rules).toMatchObject({
      timeZone: "UTC",
      slotIntervalMinutes: 30,
      minimumNoticeMinutes: 60,
      bookingHorizonDays: 60,
      bufferBeforeMinutes: 0,
      tentativeIsBusy: true,
    });
    expect(res.rules!.weeklyHours.map((w) => [w.weekday, w.ranges.map((r) => `${r.start}-${r.end}`)])).toEqual([
      [Weekday.MONDAY, ["09:00-17:00"]],
      [Weekday.TUESDAY, ["09:00-17:00"]],
      [Weekday.WEDNESDAY, ["09:00-17:00"]],
      [Weekday.THURSDAY, ["09:00-17:00"]],
      [Weekday.FRIDAY, ["09:00-17:00"]],
    ]);
  });

  it("takes the default zone from the primary connected calendar", async () => {
    const tenantId = newTenantId();
    await insertCalendar(tenantId, { timeZone: "America/Denver" }, []);
    const res = await (await jwtClient(tenantId)).getSchedulingRules({});
    expect(res.isDefault).toBe(true);
    expect(res.rules!.timeZone).toBe("America/Denver");
  });

  it("stores rules, then changes only the masked fields", async () => {
    const tenantId = newTenantId();
    const rules = await jwtClient(tenantId);
    const updated = await rules.updateSchedulingRules({
      rules: {
        timeZone: "America/Chicago",
        weeklyHours: [
          {
            weekday: Weekday.MONDAY,
            ranges: [
              { start: "08:00", end: "12:00" },
              { start: "13:00", end: "17:00" },
            ],
          },
        ],
        dateOverrides: [{ date: "2030-12-25", closed: true }],
        bufferAfterMinutes: 15,
        tentativeIsBusy: true,
      },
    });
    expect(updated.rules).toMatchObject({
      timeZone: "America/Chicago",
      slotIntervalMinutes: 30,
      bookingHorizonDays: 60,
    });
    expect(updated.updatedAt).toBeDefined();

    await rules.updateSchedulingRules({
      rules: { slotIntervalMinutes: 15, timeZone: "ignored/not-in-mask" },
      updateMask: { paths: ["slot_interval_minutes"] },
    });
    const read = await rules.getSchedulingRules({});
    expect(read.isDefault).toBe(false);
    expect(read.rules).toMatchObject({
      timeZone: "America/Chicago",
      slotIntervalMinutes: 15,
      bufferAfterMinutes: 15,
      tentativeIsBusy: true,
    });
    expect(read.rules!.weeklyHours[0]!.ranges).toHaveLength(2);
    expect(read.rules!.dateOverrides.map((o) => [o.date, o.closed])).toEqual([["2030-12-25", true]]);
  });

  it("refuses invalid rules naming the field, and changes nothing", async () => {
    const tenantId = newTenantId();
    const rules = await jwtClient(tenantId);
    const cases: [Parameters<typeof rules.updateSchedulingRules>[0], string][] = [
      [{ rules: { timeZone: "Mars/Base" } }, "rules.time_zone"],
      [
        {
          rules: {
            weeklyHours: [
              {
                weekday: Weekday.MONDAY,
                ranges: [
                  { start: "09:00", end: "12:00" },
                  { start: "11:00", end: "13:00" },
                ],
              },
            ],
          },
        },
        "rules.weekly_hours[0].ranges[1].start",
      ],
      [
        { rules: { weeklyHours: [{ weekday: Weekday.MONDAY, ranges: [{ start: "17:00", end: "09:00" }] }] } },
        "rules.weekly_hours[0].ranges[0].end",
      ],
      [
        { rules: { slotIntervalMinutes: 0 }, updateMask: { paths: ["slot_interval_minutes"] } },
        "rules.slot_interval_minutes",
      ],
      [{ rules: {}, updateMask: { paths: ["colour"] } }, "update_mask"],
      [{}, "rules"],
    ];
    for (const [request, field] of cases) {
      const error = await errorOf(rules.updateSchedulingRules(request));
      expect(error.code, field).toBe(Code.InvalidArgument);
      expect(error.rawMessage.startsWith(`${field}:`), error.rawMessage).toBe(true);
    }
    expect((await rules.getSchedulingRules({})).isDefault).toBe(true);
  });

  it("keeps a JWT to its own tenant", async () => {
    const error = await errorOf((await jwtClient(newTenantId())).getSchedulingRules({ tenantId: newTenantId() }));
    expect(error.code).toBe(Code.PermissionDenied);
  });
});

describe("blocks", () => {
  it("reports overlapping active appointments without cancelling them, lists and deletes", async () => {
    const tenantId = newTenantId();
    const appointmentId = await insertAppointment(tenantId, "2030-06-03T10:00:00Z", "2030-06-03T11:00:00Z");
    await insertAppointment(tenantId, "2030-06-03T11:00:00Z", "2030-06-03T12:00:00Z", "cancelled");
    const blocks = await jwtClient(tenantId);
    const created = await blocks.blockTime({
      startTime: timestampFromDate(new Date("2030-06-03T09:30:00Z")),
      endTime: timestampFromDate(new Date("2030-06-03T12:00:00Z")),
      title: "Van service",
      reason: "maintenance",
      type: BlockType.HARD,
    });
    expect(created.block).toMatchObject({
      tenantId,
      title: "Van service",
      reason: "maintenance",
      type: BlockType.HARD,
    });
    expect(created.conflictingAppointments.map((c) => [c.kind, c.id])).toEqual([
      [ConflictKind.APPOINTMENT, appointmentId],
    ]);
    const [row] = await server.orm.em.fork().find(AppointmentSchema, { id: appointmentId });
    expect(row!.status).toBe("confirmed");

    const soft = await blocks.blockTime({
      startTime: timestampFromDate(new Date("2030-06-04T09:00:00Z")),
      endTime: timestampFromDate(new Date("2030-06-04T10:00:00Z")),
      type: BlockType.SOFT,
    });
    expect(soft.block!.type).toBe(BlockType.SOFT);
    expect(soft.conflictingAppointments).toEqual([]);

    const listed = await blocks.listBlocks({});
    expect(listed.blocks.map((b) => b.id)).toEqual([created.block!.id, soft.block!.id]);
    expect(listed).toMatchObject({ total: 2, page: 1, limit: 20, pages: 1 });
    const later = await blocks.listBlocks({ startTime: timestampFromDate(new Date("2030-06-04T00:00:00Z")) });
    expect(later.blocks.map((b) => b.id)).toEqual([soft.block!.id]);

    const stranger = await jwtClient(newTenantId());
    expect((await errorOf(stranger.deleteBlock({ id: created.block!.id }))).code).toBe(Code.NotFound);
    expect((await blocks.deleteBlock({ id: created.block!.id })).deleted).toBe(true);
    expect((await blocks.deleteBlock({ id: created.block!.id })).deleted).toBe(false);
    expect((await blocks.listBlocks({})).blocks.map((b) => b.id)).toEqual([soft.block!.id]);
  });

  it("refuses bad input naming the field", async () => {
    const blocks = await jwtClient(newTenantId());
    const start = timestampFromDate(new Date("2030-06-03T10:00:00Z"));
    // Calls, not promises: a promise that fails before it is awaited is an unhandled rejection.
    const cases: [() => Promise<unknown>, string][] = [
      [() => blocks.blockTime({ startTime: start, endTime: start }), "end_time"],
      [() => blocks.blockTime({ endTime: start }), "start_time"],
      [() => blocks.listBlocks({ limit: 101 }), "limit"],
      [() => blocks.deleteBlock({ id: "not-a-uuid" }), "id"],
    ];
    for (const [call, field] of cases) {
      const error = await errorOf(call());
      expect(error.code, field).toBe(Code.InvalidArgument);
      expect(error.rawMessage.startsWith(`${field}:`), error.rawMessage).toBe(true);
    }
  });
});

describe("CheckAvailability", () => {
  it("refuses bad windows naming the field", async () => {
    const tenantId = newTenantId();
    const valid = { tenantId, startDate: "2030-06-03", endDate: "2030-06-07", durationMinutes: 60 };
    const cases: [object, string][] = [
      [{ endDate: "2030-08-04" }, "end_date"],
      [{ startDate: "2030-6-3" }, "start_date"],
      [{ endDate: "2030-02-30" }, "end_date"],
      [{ endDate: "2030-06-02" }, "end_date"],
      [{ timeZone: "Atlantis/Capital" }, "time_zone"],
      [{ durationMinutes: 0 }, "duration_minutes"],
      [{ durationMinutes: 1441 }, "duration_minutes"],
      [{ tenantId: "" }, "tenant_id"],
    ];
    for (const [change, field] of cases) {
      const error = await errorOf(keyClient().checkAvailability({ ...valid, ...change }));
      expect(error.code, field).toBe(Code.InvalidArgument);
      expect(error.rawMessage.startsWith(`${field}:`), error.rawMessage).toBe(true);
    }
  });

  it("takes the service key only", async () => {
    const tenantId = newTenantId();
    const error = await errorOf(
      (await jwtClient(tenantId)).checkAvailability({
        tenantId,
        startDate: "2030-06-03",
        endDate: "2030-06-03",
        durationMinutes: 60,
      }),
    );
    expect([Code.Unauthenticated, Code.PermissionDenied]).toContain(error.code);
  });

  it("offers business hours minus appointments and blocks (soft ones too), one entry per date", async () => {
    const tenantId = await tenantWithHourlyRules();
    await insertAppointment(tenantId, "2030-06-03T13:00:00Z", "2030-06-03T14:00:00Z");
    await insertAppointment(tenantId, "2030-06-03T15:00:00Z", "2030-06-03T16:00:00Z", "cancelled");
    const blocks = await jwtClient(tenantId);
    await blocks.blockTime({
      startTime: timestampFromDate(new Date("2030-06-03T10:00:00Z")),
      endTime: timestampFromDate(new Date("2030-06-03T12:00:00Z")),
      type: BlockType.HARD,
    });
    await blocks.blockTime({
      startTime: timestampFromDate(new Date("2030-06-04T09:00:00Z")),
      endTime: timestampFromDate(new Date("2030-06-04T10:00:00Z")),
      type: BlockType.SOFT,
    });
    const res = await keyClient().checkAvailability({
      tenantId,
      startDate: "2030-06-02",
      endDate: "2030-06-04",
      durationMinutes: 60,
    });
    expect(res.timeZone).toBe("UTC");
    expect(res.days.map((d) => d.date)).toEqual(["2030-06-02", "2030-06-03", "2030-06-04"]);
    expect(hoursOf(res.days, "2030-06-02")).toEqual([]);
    expect(hoursOf(res.days, "2030-06-03")).toEqual([9, 12, 14, 15, 16]);
    expect(hoursOf(res.days, "2030-06-04")).toEqual([10, 11, 12, 13, 14, 15, 16]);
    expect(res.totalSlots).toBe(12);
  });

  it("removes busy time of connected calendars as the mirror judges it", async () => {
    const tenantId = await tenantWithHourlyRules();
    await insertCalendar(tenantId, {}, [
      { id: "confirmed", start: "2030-06-04T15:00:00Z", end: "2030-06-04T16:00:00Z" },
      { id: "transparent", start: "2030-06-04T09:00:00Z", end: "2030-06-04T10:00:00Z", transparent: true },
      { id: "tentative", start: "2030-06-04T10:00:00Z", end: "2030-06-04T11:00:00Z", status: "tentative" },
      { id: "cancelled", start: "2030-06-04T11:00:00Z", end: "2030-06-04T12:00:00Z", status: "cancelled" },
      { id: "all-day", start: "", end: "", allDay: ["2030-06-05", "2030-06-06"] },
    ]);
    await insertCalendar(tenantId, { checkConflicts: false, primary: false }, [
      { id: "unchecked", start: "2030-06-06T09:00:00Z", end: "2030-06-06T17:00:00Z" },
    ]);
    const res = await keyClient().checkAvailability({
      tenantId,
      startDate: "2030-06-04",
      endDate: "2030-06-06",
      durationMinutes: 60,
    });
    expect(hoursOf(res.days, "2030-06-04")).toEqual([9, 10, 11, 12, 13, 14, 16]);
    expect(hoursOf(res.days, "2030-06-05")).toEqual([]);
    expect(hoursOf(res.days, "2030-06-06")).toEqual([9, 10, 11, 12, 13, 14, 15, 16]);
  });

  it("returns free windows in WINDOWS mode and reads dates in the requested zone", async () => {
    const tenantId = await tenantWithHourlyRules();
    await insertAppointment(tenantId, "2030-06-03T12:00:00Z", "2030-06-03T13:00:00Z");
    const windows = await keyClient().checkAvailability({
      tenantId,
      startDate: "2030-06-03",
      endDate: "2030-06-03",
      durationMinutes: 120,
      mode: AvailabilityMode.WINDOWS,
    });
    expect(
      windows.days[0]!.slots.map((s) => [
        timestampDate(s.startTime!).toISOString(),
        timestampDate(s.endTime!).toISOString(),
      ]),
    ).toEqual([
      ["2030-06-03T09:00:00.000Z", "2030-06-03T12:00:00.000Z"],
      ["2030-06-03T13:00:00.000Z", "2030-06-03T17:00:00.000Z"],
    ]);
    // Monday 09:00-17:00 UTC is Monday 18:00 to Tuesday 02:00 in Tokyo.
    const tokyo = await keyClient().checkAvailability({
      tenantId,
      startDate: "2030-06-03",
      endDate: "2030-06-04",
      durationMinutes: 60,
      timeZone: "Asia/Tokyo",
    });
    expect(tokyo.timeZone).toBe("Asia/Tokyo");
    expect(tokyo.days[0]!.slots.map((s) => timestampDate(s.startTime!).toISOString().slice(11, 16))).toEqual([
      "09:00",
      "10:00",
      "11:00",
      "13:00",
      "14:00",
    ]);
  });

  it("answers Connect JSON with RFC 3339 instants", async () => {
    const tenantId = await tenantWithHourlyRules();
    const res = await postJson(
      server.baseUrl,
      "universalcalendar.v1.AvailabilityService/CheckAvailability",
      { tenantId, startDate: "2030-06-03", endDate: "2030-06-03", durationMinutes: 480 },
      serviceKey,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      timeZone: "UTC",
      days: [{ date: "2030-06-03", slots: [{ startTime: "2030-06-03T09:00:00Z", endTime: "2030-06-03T17:00:00Z" }] }],
      totalSlots: 1,
      // Freshness is reported only when max_staleness_seconds was asked for.
      dataAsOf: [],
    });
  });
});

describe("findSuggestedSlots (used when a booking is refused)", () => {
  it("returns the next bookable slots at or after a time, skipping busy time, soft blocks and closed days", async () => {
    const tenantId = await tenantWithHourlyRules();
    await insertAppointment(tenantId, "2030-06-07T14:00:00Z", "2030-06-07T16:00:00Z");
    await (
      await jwtClient(tenantId)
    ).blockTime({
      startTime: timestampFromDate(new Date("2030-06-07T16:00:00Z")),
      endTime: timestampFromDate(new Date("2030-06-07T17:00:00Z")),
      type: BlockType.SOFT,
    });
    // Friday 14:00-17:00 is taken, the weekend is closed: Monday comes next.
    const slots = await findSuggestedSlots(server.app.sql, clock, tenantId, 60, new Date("2030-06-07T13:30:00Z"), 3);
    expect(slots.map((slot) => [slot.start.toISOString(), slot.end.toISOString()])).toEqual([
      ["2030-06-10T09:00:00.000Z", "2030-06-10T10:00:00.000Z"],
      ["2030-06-10T10:00:00.000Z", "2030-06-10T11:00:00.000Z"],
      ["2030-06-10T11:00:00.000Z", "2030-06-10T12:00:00.000Z"],
    ]);
  });

  it("stops at the booking horizon", async () => {
    const tenantId = await tenantWithHourlyRules();
    const slots = await findSuggestedSlots(server.app.sql, clock, tenantId, 60, new Date("2030-07-30T09:00:00Z"), 50);
    // The clock is 2030-06-01 12:00 and the horizon 60 days: nothing ends after 2030-07-31 12:00.
    expect(slots.length).toBeGreaterThan(0);
    expect(slots.length).toBeLessThan(50);
    expect(slots.at(-1)!.end.getTime()).toBeLessThanOrEqual(Date.parse("2030-07-31T12:00:00Z"));
    expect(slots[0]!.start.toISOString()).toBe("2030-07-30T09:00:00.000Z");
  });
});

describe("availability and booking together", () => {
  it("books a returned slot, which is gone from the next CheckAvailability", async () => {
    const tenantId = newTenantId();
    // Monday after the fixed clock; default rules: 09:00-17:00 UTC.
    const request = { tenantId, startDate: "2030-06-03", endDate: "2030-06-03", durationMinutes: 60 };
    const before = await keyClient().checkAvailability(request);
    const slot = before.days[0]!.slots[2]!;
    const appointments = client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));
    const booked = await appointments.createAppointment(
      appointmentRequest(
        tenantId,
        timestampDate(slot.startTime!).toISOString(),
        timestampDate(slot.endTime!).toISOString(),
      ),
    );
    expect(booked.created).toBe(true);
    const after = await keyClient().checkAvailability(request);
    const starts = (days: typeof before.days) =>
      days.flatMap((d) => d.slots.map((s) => timestampDate(s.startTime!).getTime()));
    const bookedStart = timestampDate(slot.startTime!).getTime();
    const bookedEnd = timestampDate(slot.endTime!).getTime();
    expect(starts(after.days)).not.toContain(bookedStart);
    // Every slot that overlapped the booking is gone; the others remain.
    const expected = starts(before.days).filter((s) => s + 3_600_000 <= bookedStart || s >= bookedEnd);
    expect(starts(after.days)).toEqual(expected);
  });
});
