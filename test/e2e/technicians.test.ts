import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppointmentService } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { AvailabilityService, UnavailabilityKind } from "../../gen/universalcalendar/v1/availability_pb.js";
import { TechnicianService } from "../../gen/universalcalendar/v1/technician_pb.js";
import type { Clock } from "../../src/domain/clock.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, connectTransport, grpcTransport, serviceKey } from "../support/clients.js";
import { errorOf } from "../support/errors.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

/** A clock the tests move: holds expire without waiting. */
class MovableClock implements Clock {
  private at = Date.parse("2030-06-01T12:00:00Z");
  now(): Date {
    return new Date(this.at);
  }
  advance(ms: number): void {
    this.at += ms;
  }
}

const clock = new MovableClock();
let server: TestServer;
let second: TestServer;

beforeAll(async () => {
  [server, second] = await Promise.all([startTestServer({ clock }), startTestServer({ clock })]);
});
afterAll(async () => {
  await Promise.all([server?.close(), second?.close()]);
});

const appointments = (target = server) => client(AppointmentService, grpcTransport(target.baseUrl, serviceKey));
const availability = (target = server) => client(AvailabilityService, grpcTransport(target.baseUrl, serviceKey));
const technicians = async (tenantId: string) =>
  client(TechnicianService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));

const MONDAY = "2030-06-03";
const at = (time: string) => `${MONDAY}T${time}:00Z`;

/** UTC office hours Mon-Fri 09-17, hourly slots, no notice. */
async function tenant(): Promise<string> {
  const tenantId = newTenantId();
  const weeklyHours = [1, 2, 3, 4, 5].map((weekday) => ({ weekday, ranges: [{ start: "09:00", end: "17:00" }] }));
  await client(
    AvailabilityService,
    connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }),
  ).updateSchedulingRules({
    rules: { timeZone: "UTC", weeklyHours, slotIntervalMinutes: 60, minimumNoticeMinutes: 0 },
  });
  return tenantId;
}

async function addTechnician(tenantId: string, name: string, skills: string[]): Promise<string> {
  const res = await (await technicians(tenantId)).createTechnician({ technician: { name, skills } });
  return res.technician!.id;
}

const slotsOn = (days: { slots: { startTime?: { seconds: bigint }; technicians?: { ids: string[] } }[] }[]) =>
  new Map(
    days.flatMap((day) =>
      day.slots.map((slot) => [
        new Date(Number(slot.startTime!.seconds) * 1000).toISOString().replace(".000Z", "Z"),
        slot.technicians?.ids ?? [],
      ]),
    ),
  );

describe("technicians: CRUD", () => {
  it("creates, lists by skill, replaces and deletes; bad input names the field", async () => {
    const tenantId = await tenant();
    const api = await technicians(tenantId);
    const created = await api.createTechnician({
      technician: {
        name: "Ana",
        skills: ["Drain_Cleaning", "boiler"],
        serviceArea: "North",
        weeklyHours: { days: [{ weekday: 1, ranges: [{ start: "07:00", end: "12:00" }] }] },
        jobberUserId: "Z2lkOi8vSm9iYmVyL1VzZXIvMQ==",
      },
    });
    const id = created.technician!.id;
    expect(created.technician!.fields!.skills).toEqual(["drain_cleaning", "boiler"]);
    expect((await api.listTechnicians({ jobType: "BOILER" })).technicians.map((t) => t.id)).toEqual([id]);
    expect((await api.listTechnicians({ jobType: "roofing" })).technicians).toEqual([]);
    const replaced = await api.updateTechnician({ id, technician: { name: "Ana B", skills: ["roofing"] } });
    expect(replaced.technician!.fields!.weeklyHours).toBeUndefined();
    expect((await api.getTechnician({ id })).technician!.fields!.name).toBe("Ana B");
    const bad = await errorOf(api.createTechnician({ technician: { name: "", skills: [] } }));
    expect([bad.code, bad.rawMessage]).toEqual([Code.InvalidArgument, "technician.name: required"]);
    const badCalendar = await errorOf(
      api.createTechnician({ technician: { name: "X", calendarId: "00000000-0000-4000-8000-000000000000" } }),
    );
    expect(badCalendar.code).toBe(Code.InvalidArgument);
    const other = await errorOf((await technicians(newTenantId())).getTechnician({ id }));
    expect(other.code).toBe(Code.NotFound);
    expect((await api.deleteTechnician({ id })).deleted).toBe(true);
    expect((await api.deleteTechnician({ id })).deleted).toBe(false);
  });
});

describe("availability and booking per technician", () => {
  it("two technicians, one busy: the slot is offered with the free one and 'any' books him", async () => {
    const tenantId = await tenant();
    const busy = await addTechnician(tenantId, "Busy Bob", ["plumbing"]);
    const free = await addTechnician(tenantId, "Free Fay", ["plumbing"]);
    const first = await appointments().createAppointment(
      appointmentRequest(tenantId, at("10:00"), at("11:00"), { technicianId: busy }),
    );
    expect([first.created, first.appointment?.technicianId]).toEqual([true, busy]);

    const days = await availability().checkAvailability({
      tenantId,
      startDate: MONDAY,
      endDate: MONDAY,
      durationMinutes: 60,
      anyTechnician: true,
      jobType: "plumbing",
    });
    const slots = slotsOn(days.days);
    expect(slots.get(at("10:00"))).toEqual([free]);
    expect(slots.get(at("09:00"))?.sort()).toEqual([busy, free].sort());

    const any = await appointments().createAppointment(
      appointmentRequest(tenantId, at("10:00"), at("11:00"), {
        anyTechnician: true,
        jobType: "plumbing",
        serviceType: "",
      }),
    );
    expect([any.created, any.appointment?.technicianId]).toEqual([true, free]);
  });

  it("a skill filter excludes an unqualified technician", async () => {
    const tenantId = await tenant();
    const electrician = await addTechnician(tenantId, "Eli", ["electrical"]);
    const plumber = await addTechnician(tenantId, "Pia", ["plumbing"]);
    const days = await availability().checkAvailability({
      tenantId,
      startDate: MONDAY,
      endDate: MONDAY,
      durationMinutes: 60,
      jobType: "plumbing",
    });
    const everyone = [...slotsOn(days.days).values()].flat();
    expect(new Set(everyone)).toEqual(new Set([plumber]));
    const refused = await errorOf(
      appointments().createAppointment(
        appointmentRequest(tenantId, at("09:00"), at("10:00"), {
          technicianId: electrician,
          jobType: "plumbing",
          serviceType: "",
        }),
      ),
    );
    expect(refused.code).toBe(Code.FailedPrecondition);
    const booked = await appointments().createAppointment(
      appointmentRequest(tenantId, at("09:00"), at("10:00"), {
        anyTechnician: true,
        jobType: "plumbing",
        serviceType: "",
      }),
    );
    expect(booked.appointment?.technicianId).toBe(plumber);
  });

  it("'any' picks the technician with the fewest bookings that day, then the lowest id", async () => {
    const tenantId = await tenant();
    const ids = [await addTechnician(tenantId, "A", []), await addTechnician(tenantId, "B", [])].sort();
    const [low, high] = ids as [string, string];
    const first = await appointments().createAppointment(
      appointmentRequest(tenantId, at("13:00"), at("14:00"), { anyTechnician: true }),
    );
    expect(first.appointment?.technicianId).toBe(low);
    const second = await appointments().createAppointment(
      appointmentRequest(tenantId, at("15:00"), at("16:00"), { anyTechnician: true }),
    );
    expect(second.appointment?.technicianId).toBe(high);
  });

  it("a business-wide appointment or hard block blocks every technician; two technicians share a time", async () => {
    const tenantId = await tenant();
    const a = await addTechnician(tenantId, "A", []);
    const b = await addTechnician(tenantId, "B", []);
    const withA = await appointments().createAppointment(
      appointmentRequest(tenantId, at("09:00"), at("10:00"), { technicianId: a }),
    );
    const withB = await appointments().createAppointment(
      appointmentRequest(tenantId, at("09:00"), at("10:00"), { technicianId: b }),
    );
    expect([withA.created, withB.created]).toEqual([true, true]);
    const businessWide = await appointments().createAppointment(appointmentRequest(tenantId, at("09:30"), at("10:30")));
    expect(businessWide.created).toBe(false);
    const later = await appointments().createAppointment(appointmentRequest(tenantId, at("12:00"), at("13:00")));
    expect(later.created).toBe(true);
    const refused = await appointments().createAppointment(
      appointmentRequest(tenantId, at("12:00"), at("13:00"), { anyTechnician: true }),
    );
    expect(refused.created).toBe(false);
    expect(refused.conflicts.map((c) => c.id)).toEqual([later.appointment!.id]);
    expect(refused.suggestedSlots[0]?.technicians?.ids.length).toBe(2);
  });

  it("50 parallel 'any' bookings of one slot with three qualified technicians book exactly three", async () => {
    const tenantId = await tenant();
    const three = [
      await addTechnician(tenantId, "T1", ["hvac"]),
      await addTechnician(tenantId, "T2", ["hvac"]),
      await addTechnician(tenantId, "T3", ["hvac"]),
    ];
    await addTechnician(tenantId, "Unqualified", ["roofing"]);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        client(AppointmentService, grpcTransport((i % 2 ? second : server).baseUrl, serviceKey)).createAppointment(
          appointmentRequest(tenantId, at("14:00"), at("15:00"), {
            anyTechnician: true,
            jobType: "hvac",
            serviceType: "",
          }),
        ),
      ),
    );
    const booked = results.filter((r) => r.created);
    expect(booked.map((r) => r.appointment!.technicianId).sort()).toEqual([...three].sort());
    const refused = results.filter((r) => !r.created);
    expect(refused).toHaveLength(47);
    for (const r of refused) {
      expect(r.conflicts.length).toBeGreaterThan(0);
      expect(r.suggestedSlots.length).toBeGreaterThan(0);
      expect(r.suggestedSlots.some((s) => Number(s.startTime!.seconds) * 1000 === Date.parse(at("14:00")))).toBe(false);
    }
  });
});

describe("slot holds", () => {
  it("a hold is busy for others, not for its holder, and ConfirmHold turns it into the appointment", async () => {
    const tenantId = await tenant();
    const only = await addTechnician(tenantId, "Solo", []);
    const hold = await availability().holdSlot({
      tenantId,
      startTime: timestampFromDate(new Date(at("11:00"))),
      endTime: timestampFromDate(new Date(at("12:00"))),
      anyTechnician: true,
    });
    expect([hold.held, hold.hold?.technicianId]).toEqual([true, only]);
    const token = hold.hold!.holdToken;
    const ask = (holdToken = "") =>
      availability().checkAvailability({
        tenantId,
        startDate: MONDAY,
        endDate: MONDAY,
        durationMinutes: 60,
        anyTechnician: true,
        holdToken,
      });
    expect(slotsOn((await ask()).days).has(at("11:00"))).toBe(false);
    expect(slotsOn((await ask(token)).days).get(at("11:00"))).toEqual([only]);
    const other = await appointments().createAppointment(
      appointmentRequest(tenantId, at("11:00"), at("12:00"), { anyTechnician: true }),
    );
    expect(other.created).toBe(false);
    expect(other.conflicts[0]?.kind).toBe(4);

    const explained = await availability().explainAvailability({
      tenantId,
      startTime: timestampFromDate(new Date(at("11:00"))),
      durationMinutes: 60,
    });
    expect(explained.technicians[0]?.reasons.map((r) => r.kind)).toEqual([UnavailabilityKind.HELD]);

    const confirmed = await availability().confirmHold({
      holdToken: token,
      appointment: appointmentRequest(tenantId, at("11:00"), at("12:00"), { startTime: undefined, endTime: undefined }),
    });
    expect([confirmed.appointment?.technicianId, confirmed.appointment?.startTime?.seconds]).toEqual([
      only,
      BigInt(Date.parse(at("11:00")) / 1000),
    ]);
    const again = await errorOf(
      availability().confirmHold({
        holdToken: token,
        appointment: appointmentRequest(tenantId, at("11:00"), at("12:00")),
      }),
    );
    expect(again.code).toBe(Code.NotFound);
    expect((await availability().releaseHold({ tenantId, holdToken: token })).released).toBe(false);
  });

  it("holds race bookings: the hold wins or loses whole", async () => {
    for (let round = 0; round < 3; round++) {
      const tenantId = await tenant();
      const only = await addTechnician(tenantId, "Solo", []);
      const start = timestampFromDate(new Date(at("15:00")));
      const end = timestampFromDate(new Date(at("16:00")));
      const calls = Array.from({ length: 20 }, (_, i) => {
        const target = i % 2 ? second : server;
        return i % 4 === 0
          ? availability(target)
              .holdSlot({ tenantId, startTime: start, endTime: end, technicianId: only })
              .then((r) => ({ kind: "hold" as const, won: r.held, token: r.hold?.holdToken }))
          : appointments(target)
              .createAppointment(appointmentRequest(tenantId, at("15:00"), at("16:00"), { technicianId: only }))
              .then((r) => ({ kind: "booking" as const, won: r.created, token: undefined }));
      });
      const results = await Promise.all(calls);
      const winners = results.filter((r) => r.won);
      expect(winners).toHaveLength(1);
      const winner = winners[0]!;
      if (winner.kind === "hold") {
        const confirmed = await availability().confirmHold({
          holdToken: winner.token!,
          appointment: appointmentRequest(tenantId, at("15:00"), at("16:00")),
        });
        expect(confirmed.appointment?.technicianId).toBe(only);
      }
      const listed = await client(
        AppointmentService,
        connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }),
      ).listAppointments({ startDate: MONDAY, endDate: MONDAY });
      expect(listed.appointments).toHaveLength(1);
    }
  });

  it("an expired hold frees its slot, with no job running; ReleaseHold frees it at once", async () => {
    const tenantId = await tenant();
    await addTechnician(tenantId, "Solo", []);
    const hold = await availability().holdSlot({
      tenantId,
      startTime: timestampFromDate(new Date(at("16:00"))),
      endTime: timestampFromDate(new Date(at("17:00"))),
      anyTechnician: true,
      ttlSeconds: 60,
    });
    expect(hold.held).toBe(true);
    const booking = () =>
      appointments().createAppointment(appointmentRequest(tenantId, at("16:00"), at("17:00"), { anyTechnician: true }));
    expect((await booking()).created).toBe(false);
    clock.advance(61_000);
    expect((await booking()).created).toBe(true);
    const late = await errorOf(
      availability().confirmHold({
        holdToken: hold.hold!.holdToken,
        appointment: appointmentRequest(tenantId, at("16:00"), at("17:00")),
      }),
    );
    expect(late.code).toBe(Code.NotFound);

    const second = await availability().holdSlot({
      tenantId,
      startTime: timestampFromDate(new Date(at("09:00"))),
      endTime: timestampFromDate(new Date(at("10:00"))),
      anyTechnician: true,
    });
    expect((await availability().releaseHold({ tenantId, holdToken: second.hold!.holdToken })).released).toBe(true);
    const afterRelease = await appointments().createAppointment(
      appointmentRequest(tenantId, at("09:00"), at("10:00"), { anyTechnician: true }),
    );
    expect(afterRelease.created).toBe(true);
  });
});

describe("ExplainAvailability", () => {
  it("names why each technician can or cannot take a time", async () => {
    const tenantId = await tenant();
    const booked = await addTechnician(tenantId, "Booked", ["plumbing"]);
    const free = await addTechnician(tenantId, "Free", ["plumbing"]);
    const roofer = await addTechnician(tenantId, "Roofer", ["roofing"]);
    const job = await appointments().createAppointment(
      appointmentRequest(tenantId, at("10:00"), at("11:00"), { technicianId: booked, title: "Boiler swap" }),
    );
    const res = await availability().explainAvailability({
      tenantId,
      startTime: timestampFromDate(new Date(at("10:00"))),
      durationMinutes: 60,
      jobType: "plumbing",
    });
    expect(res.bookable).toBe(true);
    const byId = new Map(res.technicians.map((t) => [t.technicianId, t]));
    expect(res.technicians[0]?.technicianId).toBe(free);
    expect(byId.get(booked)?.reasons.map((r) => [r.kind, r.id, r.title])).toEqual([
      [UnavailabilityKind.BOOKED, job.appointment!.id, "Boiler swap"],
    ]);
    expect(byId.get(roofer)?.reasons.map((r) => r.kind)).toEqual([UnavailabilityKind.NOT_QUALIFIED]);
    const evening = await availability().explainAvailability({
      tenantId,
      startTime: timestampFromDate(new Date(at("18:00"))),
      durationMinutes: 60,
      technicianId: free,
    });
    expect(evening.technicians.map((t) => t.reasons.map((r) => r.kind))).toEqual([[UnavailabilityKind.OUTSIDE_HOURS]]);
  });

  it("a tenant without technicians gets one explanation for the business", async () => {
    const tenantId = await tenant();
    const res = await availability().explainAvailability({
      tenantId,
      startTime: timestampFromDate(new Date(at("09:30"))),
      durationMinutes: 60,
    });
    expect(res.technicians.map((t) => [t.technicianId, t.reasons.map((r) => r.kind)])).toEqual([
      ["", [UnavailabilityKind.NOT_SLOT_START]],
    ]);
  });
});
