import { randomUUID } from "node:crypto";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppointmentService, AppointmentStatus } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { AvailabilityService } from "../../gen/universalcalendar/v1/availability_pb.js";
import { ConflictKind, Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { FieldServiceService } from "../../gen/universalcalendar/v1/field_service_pb.js";
import { TechnicianService } from "../../gen/universalcalendar/v1/technician_pb.js";
import type { Clock } from "../../src/domain/clock.js";
import { waitForSync } from "../fakes/google/google-oauth-flow.js";
import { HousecallProFake } from "../fakes/housecall-pro/housecall-pro-fake.js";
import { JobberFake } from "../fakes/jobber/jobber-fake.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, connectTransport, grpcTransport, serviceKey } from "../support/clients.js";
import { errorOf } from "../support/errors.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

/**
 * Moves and field-service jobs in technician lanes: a technician's
 * appointment conflicts only with their own and business-wide busy time,
 * exactly as the booking path and the exclusion constraint judge it.
 */

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
let jobber: JobberFake;
let hcp: HousecallProFake;

beforeAll(async () => {
  [jobber, hcp] = await Promise.all([JobberFake.start(), HousecallProFake.start()]);
  const env = {
    HOUSECALLPRO_API_BASE_URL: hcp.url,
    JOBBER_API_BASE_URL: jobber.graphqlUrl,
    JOBBER_OAUTH_BASE_URL: jobber.oauthBaseUrl,
    JOBBER_CLIENT_ID: jobber.clientId,
    JOBBER_CLIENT_SECRET: jobber.clientSecret,
  };
  [server, second] = await Promise.all([startTestServer({ clock, env }), startTestServer({ clock, env })]);
});
afterAll(async () => {
  await Promise.all([server?.close(), second?.close()]);
  await Promise.all([jobber?.close(), hcp?.close()]);
});

const appointments = (target = server) => client(AppointmentService, grpcTransport(target.baseUrl, serviceKey));
const availability = () => client(AvailabilityService, grpcTransport(server.baseUrl, serviceKey));
const fieldService = (target = server) => client(FieldServiceService, grpcTransport(target.baseUrl, serviceKey));

/** A Monday well after the clock's start (holds and moves are never in the past). */
const MONDAY = "2030-06-10";
const at = (time: string, date = MONDAY) => `${date}T${time}:00Z`;
const stamp = (time: string, date = MONDAY) => timestampFromDate(new Date(at(time, date)));

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

async function addTechnician(
  tenantId: string,
  name: string,
  links: { jobberUserId?: string; housecallProEmployeeId?: string } = {},
  skills: string[] = [],
): Promise<string> {
  const api = client(TechnicianService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
  return (await api.createTechnician({ technician: { name, skills, ...links } })).technician!.id;
}

async function book(tenantId: string, from: string, to: string, technicianId = ""): Promise<string> {
  const res = await appointments().createAppointment(appointmentRequest(tenantId, at(from), at(to), { technicianId }));
  expect(res.created).toBe(true);
  return res.appointment!.id;
}

const move = (id: string, from: string, to: string, target = server) =>
  appointments(target).updateAppointment({ id, startTime: stamp(from), endTime: stamp(to) });

describe("UpdateAppointment moves in the appointment's lane", () => {
  it("onto another technician's busy time: accepted; onto its own or business-wide time: refused", async () => {
    const tenantId = await tenant();
    const a = await addTechnician(tenantId, "A");
    const b = await addTechnician(tenantId, "B");
    const moving = await book(tenantId, "09:00", "10:00", a);
    const aOther = await book(tenantId, "10:00", "11:00", a);
    await book(tenantId, "11:00", "12:00", b);
    const held = await availability().holdSlot({
      tenantId,
      startTime: stamp("13:00"),
      endTime: stamp("14:00"),
      technicianId: b,
      ttlSeconds: 3_600,
    });
    expect(held.held).toBe(true);
    const businessWide = await book(tenantId, "15:00", "16:00");

    const ontoBsAppointment = await move(moving, "11:00", "12:00");
    expect([ontoBsAppointment.updated, ontoBsAppointment.conflicts]).toEqual([true, []]);
    const ontoBsHold = await move(moving, "13:00", "14:00");
    expect([ontoBsHold.updated, ontoBsHold.conflicts]).toEqual([true, []]);
    expect(ontoBsHold.appointment?.technicianId).toBe(a);

    const ontoOwn = await move(moving, "10:00", "11:00");
    expect(ontoOwn.updated).toBe(false);
    expect(ontoOwn.conflicts.map((c) => [c.kind, c.id, c.technicianId])).toEqual([
      [ConflictKind.APPOINTMENT, aOther, a],
    ]);
    expect(timestampMs(ontoOwn.appointment!.startTime!)).toBe(Date.parse(at("13:00")));
    // The suggestions are A's from 10:00 on (B's 11:00 is free for A; A is at 13:00 now), each naming A.
    expect(ontoOwn.suggestedSlots.map((s) => [timestampMs(s.startTime!), s.technicians?.ids])).toEqual([
      [Date.parse(at("11:00")), [a]],
      [Date.parse(at("12:00")), [a]],
      [Date.parse(at("14:00")), [a]],
    ]);

    const ontoBusinessWide = await move(moving, "15:00", "16:00");
    expect(ontoBusinessWide.updated).toBe(false);
    expect(ontoBusinessWide.conflicts.map((c) => [c.kind, c.id])).toEqual([[ConflictKind.APPOINTMENT, businessWide]]);
  });

  it("a business-wide appointment keeps today's rule: any technician's time stands in its way", async () => {
    const tenantId = await tenant();
    const b = await addTechnician(tenantId, "B");
    const businessWide = await book(tenantId, "09:00", "10:00");
    const bs = await book(tenantId, "11:00", "12:00", b);
    const held = await availability().holdSlot({
      tenantId,
      startTime: stamp("13:00"),
      endTime: stamp("14:00"),
      technicianId: b,
    });

    const ontoAppointment = await move(businessWide, "11:00", "12:00");
    expect(ontoAppointment.updated).toBe(false);
    expect(ontoAppointment.conflicts.map((c) => c.id)).toEqual([bs]);
    expect(ontoAppointment.suggestedSlots[0]?.technicians).toBeUndefined();
    const ontoHold = await move(businessWide, "13:00", "14:00");
    expect(ontoHold.updated).toBe(false);
    expect(held.held).toBe(true);
    expect(ontoHold.conflicts.map((c) => [c.kind, c.technicianId])).toEqual([[ConflictKind.HOLD, b]]);
  });

  it("a move onto an expired hold deletes it and succeeds, as a booking would", async () => {
    const tenantId = await tenant();
    const a = await addTechnician(tenantId, "A");
    const moving = await book(tenantId, "09:00", "10:00", a);
    const held = await availability().holdSlot({
      tenantId,
      startTime: stamp("16:00"),
      endTime: stamp("17:00"),
      technicianId: a,
      ttlSeconds: 60,
    });
    expect(held.held).toBe(true);
    expect((await move(moving, "16:00", "17:00")).updated).toBe(false);
    clock.advance(61_000);
    const moved = await move(moving, "16:00", "17:00");
    expect([moved.updated, moved.conflicts]).toEqual([true, []]);
  });

  it("parallel moves onto one hour, on two servers: one of A's two, and B's, get it", async () => {
    for (let round = 0; round < 3; round++) {
      const tenantId = await tenant();
      const a = await addTechnician(tenantId, "A");
      const b = await addTechnician(tenantId, "B");
      const aFirst = await book(tenantId, "09:00", "10:00", a);
      const aSecond = await book(tenantId, "10:00", "11:00", a);
      const bs = await book(tenantId, "11:00", "12:00", b);
      const results = await Promise.all(
        [aFirst, aSecond, bs].map((id, i) => move(id, "14:00", "15:00", i % 2 ? second : server)),
      );
      const [first, secondOfA, ofB] = results;
      expect(ofB!.updated).toBe(true);
      expect([first!.updated, secondOfA!.updated].filter(Boolean)).toHaveLength(1);
      const loser = first!.updated ? secondOfA! : first!;
      expect(loser.conflicts.map((c) => c.id)).toEqual([first!.updated ? aFirst : aSecond]);
    }
  });
});

describe("UpdateAppointment reassigns to another technician", () => {
  const reassign = (id: string, technicianId: string, extra: { from?: string; to?: string } = {}) =>
    appointments().updateAppointment({
      id,
      technicianId,
      ...(extra.from && extra.to ? { startTime: stamp(extra.from), endTime: stamp(extra.to) } : {}),
    });
  /** The technician's free hourly starts on MONDAY before noon (UTC). */
  const freeStarts = async (tenantId: string, technicianId: string) => {
    const res = await availability().checkAvailability({
      tenantId,
      startDate: MONDAY,
      endDate: MONDAY,
      durationMinutes: 60,
      technicianId,
    });
    return res.days
      .flatMap((day) => day.slots)
      .map((slot) => new Date(timestampMs(slot.startTime!)).toISOString().slice(11, 16))
      .filter((start) => start < "12:00");
  };

  it("moves the booking to the new technician's lane: they are busy then, the previous one free", async () => {
    const tenantId = await tenant();
    const a = await addTechnician(tenantId, "A", {}, ["plumbing_repair"]);
    const b = await addTechnician(tenantId, "B", {}, ["plumbing_repair"]);
    const id = await book(tenantId, "09:00", "10:00", a);
    expect(await freeStarts(tenantId, b)).toEqual(["09:00", "10:00", "11:00"]);

    const res = await reassign(id, b);
    expect([res.updated, res.conflicts, res.appointment?.technicianId]).toEqual([true, [], b]);
    expect(await freeStarts(tenantId, a)).toEqual(["09:00", "10:00", "11:00"]);
    expect(await freeStarts(tenantId, b)).toEqual(["10:00", "11:00"]);
    // A can be booked at 09:00 now; B cannot.
    await book(tenantId, "09:00", "10:00", a);
    const refused = await appointments().createAppointment(
      appointmentRequest(tenantId, at("09:00"), at("10:00"), { technicianId: b }),
    );
    expect(refused.created).toBe(false);
    // Reassigning and moving in one request; then "" makes it business-wide, which A's 09:00 refuses.
    const movedToo = await reassign(id, a, { from: "11:00", to: "12:00" });
    expect([movedToo.updated, movedToo.appointment?.technicianId]).toEqual([true, a]);
    expect(timestampMs(movedToo.appointment!.startTime!)).toBe(Date.parse(at("11:00")));
    const wide = await reassign(id, "", { from: "09:00", to: "10:00" });
    expect(wide.updated).toBe(false);
    expect(wide.appointment?.technicianId).toBe(a);
    expect((await reassign(id, "")).appointment?.technicianId).toBeUndefined();
  });

  it("refuses a technician busy then, with the conflict in their lane, and changes nothing", async () => {
    const tenantId = await tenant();
    const a = await addTechnician(tenantId, "A", {}, ["plumbing_repair"]);
    const b = await addTechnician(tenantId, "B", {}, ["plumbing_repair"]);
    const id = await book(tenantId, "09:00", "10:00", a);
    const bs = await book(tenantId, "09:00", "10:00", b);
    const held = await availability().holdSlot({
      tenantId,
      startTime: stamp("11:00"),
      endTime: stamp("12:00"),
      technicianId: b,
      ttlSeconds: 3_600,
    });
    expect(held.held).toBe(true);

    const clash = await reassign(id, b);
    expect(clash.updated).toBe(false);
    expect(clash.conflicts.map((c) => [c.kind, c.id, c.technicianId])).toEqual([[ConflictKind.APPOINTMENT, bs, b]]);
    expect(clash.suggestedSlots.every((slot) => slot.technicians?.ids.includes(b))).toBe(true);
    const onHold = await reassign(id, b, { from: "11:00", to: "12:00" });
    expect(onHold.updated).toBe(false);
    expect(onHold.conflicts.map((c) => c.kind)).toEqual([ConflictKind.HOLD]);
    const unchanged = (await appointments().getAppointment({ id })).appointment!;
    expect([unchanged.technicianId, unchanged.version, timestampMs(unchanged.startTime!)]).toEqual([
      a,
      1n,
      Date.parse(at("09:00")),
    ]);
  });

  it("parallel reassignments onto one technician's hour, on two servers: exactly one gets it", async () => {
    for (let round = 0; round < 3; round++) {
      const tenantId = await tenant();
      const skills = ["plumbing_repair"];
      const [a, b, c] = await Promise.all(["A", "B", "C"].map((name) => addTechnician(tenantId, name, {}, skills)));
      const [ofA, ofB] = [await book(tenantId, "14:00", "15:00", a!), await book(tenantId, "14:00", "15:00", b!)];
      const results = await Promise.all(
        [ofA, ofB].map((id, i) => appointments(i ? second : server).updateAppointment({ id, technicianId: c! })),
      );
      expect(results.filter((r) => r.updated)).toHaveLength(1);
      const loser = results.find((r) => !r.updated)!;
      const winner = results.find((r) => r.updated)!;
      expect(loser.conflicts.map((conflict) => [conflict.id, conflict.technicianId])).toEqual([
        [winner.appointment!.id, c],
      ]);
      expect(loser.appointment?.technicianId).toBe(loser.appointment!.id === ofA ? a : b);
    }
  });

  it("checks who it goes to: unknown, deleted, unqualified or malformed technicians are refused", async () => {
    const tenantId = await tenant();
    const a = await addTechnician(tenantId, "A", {}, ["plumbing_repair"]);
    const electrician = await addTechnician(tenantId, "E", {}, ["electrical"]);
    const leaving = await addTechnician(tenantId, "L", {}, ["plumbing_repair"]);
    const otherTenants = await addTechnician(await tenant(), "O", {}, ["plumbing_repair"]);
    await client(
      TechnicianService,
      connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }),
    ).deleteTechnician({ id: leaving });
    const id = await book(tenantId, "09:00", "10:00", a);

    const codeOf = async (technicianId: string) => (await errorOf(reassign(id, technicianId))).code;
    expect(await codeOf("not-a-uuid")).toBe(Code.InvalidArgument);
    expect((await errorOf(reassign(id, "not-a-uuid"))).message).toContain("technician_id");
    expect(await codeOf(randomUUID())).toBe(Code.NotFound);
    expect(await codeOf(leaving)).toBe(Code.NotFound);
    expect(await codeOf(otherTenants)).toBe(Code.NotFound);
    expect(await codeOf(electrician)).toBe(Code.FailedPrecondition);
    // With the job type changed in the same request, the electrician does it.
    const res = await appointments().updateAppointment({ id, technicianId: electrician, jobType: "Electrical" });
    expect([res.updated, res.appointment?.technicianId]).toEqual([true, electrician]);

    await appointments().updateAppointment({ id, status: AppointmentStatus.IN_PROGRESS });
    expect(await codeOf(a)).toBe(Code.FailedPrecondition);
  });
});

function timestampMs(ts: { seconds: bigint; nanos: number }): number {
  return Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6);
}

describe("CreateJob and UpdateJob in the linked technician's lane", () => {
  async function connectedJobber(tenantId: string) {
    const fs = client(FieldServiceService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    const answer = await fs.connectJobber({
      tenantId,
      apiKey: jobber.issueApiKey(),
      subdomain: "acme",
      timezone: "UTC",
    });
    await waitForSync(server, answer.syncId);
    return fs;
  }

  const job = (tenantId: string, from: string, to: string, technicianId: string, target = server, date = MONDAY) =>
    fieldService(target).createJob({
      tenantId,
      provider: Provider.JOBBER,
      customer: { name: "Jo Customer", phone: "+13125550188" },
      title: "Service visit",
      scheduledStart: stamp(from, date),
      endTime: stamp(to, date),
      technicianId,
    });

  const technicianOf = async (appointmentId: string) =>
    (await appointments().getAppointment({ id: appointmentId })).appointment?.technicianId;

  it("two linked technicians get jobs at the same time; the same technician or an unlinked crew member cannot", async () => {
    const tenantId = await tenant();
    const fs = await connectedJobber(tenantId);
    const [userA, userB, unlinked] = [jobber.addUser("Al A"), jobber.addUser("Bo B"), jobber.addUser("Cy C")];
    const a = await addTechnician(tenantId, "A", { jobberUserId: userA });
    const b = await addTechnician(tenantId, "B", { jobberUserId: userB });

    // Both at once, through two servers: different lanes, so both are booked.
    const [ofA, ofB] = await Promise.all([
      job(tenantId, "10:00", "11:00", userA),
      job(tenantId, "10:00", "11:00", userB, second),
    ]);
    expect([ofA.created, ofB.created]).toEqual([true, true]);
    expect([await technicianOf(ofA.appointmentId), await technicianOf(ofB.appointmentId)]).toEqual([a, b]);

    const againA = await job(tenantId, "10:30", "11:30", userA);
    expect(againA.created).toBe(false);
    expect(againA.conflicts.map((c) => [c.kind, c.id])).toEqual([[ConflictKind.APPOINTMENT, ofA.appointmentId]]);
    expect(againA.suggestedSlots.every((s) => s.technicians?.ids.join() === a)).toBe(true);

    // No technician linked to the crew member: business-wide, and every technician's job is in the way.
    const unlinkedJob = await job(tenantId, "10:00", "11:00", unlinked);
    expect(unlinkedJob.created).toBe(false);
    expect(unlinkedJob.conflicts.map((c) => c.id).sort()).toEqual([ofA.appointmentId, ofB.appointmentId].sort());
    const laterUnlinked = await job(tenantId, "15:00", "16:00", unlinked);
    expect(laterUnlinked.created).toBe(true);
    expect(await technicianOf(laterUnlinked.appointmentId)).toBeUndefined();

    // UpdateJob moves A's job in A's lane: onto B's time yes, onto the business-wide job no.
    const laterB = await job(tenantId, "13:00", "14:00", userB);
    expect(laterB.created).toBe(true);
    const ontoB = await fs.updateJob({
      tenantId,
      provider: Provider.JOBBER,
      jobId: ofA.jobId,
      scheduledStart: stamp("13:00"),
    });
    expect([ontoB.updated, ontoB.conflicts]).toEqual([true, []]);
    const ontoBusinessWide = await fs.updateJob({
      tenantId,
      provider: Provider.JOBBER,
      jobId: ofA.jobId,
      scheduledStart: stamp("15:00"),
    });
    expect(ontoBusinessWide.updated).toBe(false);
    expect(ontoBusinessWide.conflicts.map((c) => c.id)).toEqual([laterUnlinked.appointmentId]);
  });

  it("a crew member added by UpdateJob is busy for the job too; one busy then is refused and nothing changes", async () => {
    const tenantId = await tenant();
    const fs = await connectedJobber(tenantId);
    // A day of its own: the Jobber fake's one account holds the other tests' jobs, busy time for every tenant.
    const TUESDAY = "2030-06-11";
    const [userA, userB, userC] = [jobber.addUser("Di A"), jobber.addUser("Ed B"), jobber.addUser("Fa C")];
    await addTechnician(tenantId, "A", { jobberUserId: userA });
    await addTechnician(tenantId, "B", { jobberUserId: userB });
    const c = await addTechnician(tenantId, "C", { jobberUserId: userC });
    const ofA = await job(tenantId, "10:00", "11:00", userA, server, TUESDAY);
    const ofC = await job(tenantId, "13:00", "14:00", userC, server, TUESDAY);

    // B joins A's job: two of ours on it, so it blocks everyone (as a business-wide job does), B included.
    const joined = await fs.updateJob({ tenantId, provider: Provider.JOBBER, jobId: ofA.jobId, technicianId: userB });
    expect([joined.updated, joined.changes]).toEqual([true, ["technician"]]);
    expect(await technicianOf(ofA.appointmentId)).toBeUndefined();
    const ofBThen = await job(tenantId, "10:00", "11:00", userB, server, TUESDAY);
    expect(ofBThen.created).toBe(false);
    expect(ofBThen.conflicts.map((conflict) => conflict.id)).toEqual([ofA.appointmentId]);

    // B has a job of their own at C's time: joining C's job would put B in two places.
    const ofB = await job(tenantId, "13:00", "14:00", userB, server, TUESDAY);
    expect(ofB.created).toBe(true);
    const clash = await fs.updateJob({ tenantId, provider: Provider.JOBBER, jobId: ofC.jobId, technicianId: userB });
    expect(clash.updated).toBe(false);
    expect(clash.conflicts.map((conflict) => conflict.id)).toEqual([ofB.appointmentId]);
    expect(await technicianOf(ofC.appointmentId)).toBe(c);
    const [visitOfC] = jobber.visitsOf(ofC.jobId);
    expect(jobber.crewOf(visitOfC!.id)).toEqual([userC]);
  });

  it("HouseCall Pro: an employee linked to a technician books in their lane", async () => {
    const tenantId = await tenant();
    const fs = client(FieldServiceService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    const connected = await fs.connectHousecallPro({
      tenantId,
      apiKey: hcp.issueApiKey(),
      companyId: hcp.company.id,
      timezone: "UTC",
    });
    await waitForSync(server, connected.syncId);
    const employee = hcp.addEmployee("Hana Hcp");
    const technician = await addTechnician(tenantId, "Hana", { housecallProEmployeeId: employee });
    const other = await addTechnician(tenantId, "Other");
    await book(tenantId, "10:00", "11:00", other);
    const created = await fieldService().createJob({
      tenantId,
      provider: Provider.HOUSECALL_PRO,
      customer: { name: "Hal Customer", phone: "+13125550189" },
      title: "Tune-up",
      scheduledStart: stamp("10:00"),
      endTime: stamp("11:00"),
      technicianId: employee,
    });
    expect(created.created).toBe(true);
    expect(await technicianOf(created.appointmentId)).toBe(technician);
  });
});
