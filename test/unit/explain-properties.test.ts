import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { findFreeSlots, type AvailabilityQuery } from "../../src/domain/availability/availability.js";
import type { BusyPeriod } from "../../src/domain/availability/busy-period.js";
import { explainSlot } from "../../src/domain/availability/explain-slot.js";
import { parseLocalDate } from "../../src/domain/availability/local-date.js";
import { defaultSchedulingRules, type SchedulingRules } from "../../src/domain/availability/scheduling-rules.js";
import {
  findTechnicianSlots,
  queryOf,
  rankTechnicians,
  type TechnicianCandidate,
} from "../../src/domain/availability/technician-slots.js";
import { fixedClock } from "../../src/domain/clock.js";
import { Lanes } from "../../src/domain/technicians/lanes.js";
import { technicianRules, type Technician } from "../../src/domain/technicians/technician.js";

const FIVE_MINUTES = 5 * 60_000;
const ZONES = ["UTC", "America/Denver", "Europe/London", "Asia/Kolkata"];
const KINDS: BusyPeriod["kind"][] = ["appointment", "hold", "block", "soft_block", "calendar_event"];
const TECHNICIAN_IDS = ["00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b", undefined];

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

/** One day's ranges from sorted distinct 15-minute points. */
const dayRanges = fc.uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 4 }).map((points) => {
  const sorted = [...points].sort((a, b) => a - b);
  const ranges = [];
  for (let i = 0; i + 1 < sorted.length; i += 2)
    ranges.push({ start: hhmm(sorted[i]! * 15), end: hhmm(sorted[i + 1]! * 15) });
  return ranges;
});

const schedule = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    windowStart: fc.constantFrom("2030-03-08", "2030-06-10", "2030-10-25"),
    days: fc.integer({ min: 1, max: 4 }),
    weekly: fc.array(dayRanges, { minLength: 7, maxLength: 7 }),
    ownWeekly: fc.option(fc.array(dayRanges, { minLength: 7, maxLength: 7 }), { nil: undefined }),
    durationMinutes: fc.integer({ min: 1, max: 24 }).map((q) => q * 15),
    slotInterval: fc.constantFrom(15, 20, 30, 45, 60),
    bufferBefore: fc.integer({ min: 0, max: 4 }).map((q) => q * 15),
    bufferAfter: fc.integer({ min: 0, max: 4 }).map((q) => q * 15),
    notice: fc.integer({ min: 0, max: 40 }).map((q) => q * 15),
    nowOffsetMinutes: fc.integer({ min: -3000, max: 6000 }).map((m) => m * 5),
    horizonDays: fc.integer({ min: 1, max: 6 }),
    busy: fc.array(
      fc.record({
        startMinute: fc.integer({ min: -600, max: 6000 }).map((m) => m * 5),
        minutes: fc.integer({ min: 1, max: 60 }).map((m) => m * 5),
        kind: fc.constantFrom(...KINDS),
        technician: fc.constantFrom(...TECHNICIAN_IDS),
      }),
      { maxLength: 30 },
    ),
  })
  .map((s) => {
    const firstDay = parseLocalDate(s.windowStart)!;
    const origin = DateTime.fromISO(s.windowStart, { zone: s.zone }).toMillis();
    const rules: SchedulingRules = {
      ...defaultSchedulingRules(s.zone),
      weeklyHours: s.weekly.map((ranges, i) => ({ weekday: i + 1, ranges })),
      slotIntervalMinutes: s.slotInterval,
      bufferBeforeMinutes: s.bufferBefore,
      bufferAfterMinutes: s.bufferAfter,
      minimumNoticeMinutes: s.notice,
      bookingHorizonDays: s.horizonDays,
    };
    const periods: BusyPeriod[] = s.busy.map((b, i) => ({
      kind: b.kind,
      id: `p${i}`,
      start: new Date(origin + b.startMinute * 60_000),
      end: new Date(origin + (b.startMinute + b.minutes) * 60_000),
      ...(b.technician && (b.kind === "appointment" || b.kind === "hold") ? { technicianId: b.technician } : {}),
    }));
    const technicians: Technician[] = TECHNICIAN_IDS.filter((id) => id !== undefined).map((id, i) => ({
      id,
      tenantId: "t",
      name: `tech ${i}`,
      skills: [],
      serviceArea: null,
      weeklyHours: i === 0 && s.ownWeekly ? s.ownWeekly.map((ranges, d) => ({ weekday: d + 1, ranges })) : null,
      dateOverrides: [],
      calendarId: null,
      jobberUserId: null,
      housecallProEmployeeId: null,
      createdAt: new Date(0),
      updatedAt: new Date(0),
    }));
    return {
      rules,
      periods,
      technicians,
      shared: {
        timeZone: s.zone,
        firstDay,
        lastDay: firstDay + s.days - 1,
        durationMinutes: s.durationMinutes,
        clock: fixedClock(new Date(origin + s.nowOffsetMinutes * 60_000)),
      },
      origin,
      days: s.days,
    };
  });

/** Every 5-minute start in the window (and a day beyond each side). */
function startsOf(origin: number, days: number): number[] {
  const starts = [];
  for (let t = origin - 86_400_000; t < origin + (days + 1) * 86_400_000; t += FIVE_MINUTES) starts.push(t);
  return starts;
}

describe("explanations agree with CheckAvailability's engine on random schedules", () => {
  it("a time has no reason against it exactly when it is an offered slot (one schedule)", () => {
    fc.assert(
      fc.property(schedule, ({ rules, periods, shared, origin, days }) => {
        const query: AvailabilityQuery = {
          ...shared,
          rules,
          busy: periods.map((p) => ({ start: p.start.getTime(), end: p.end.getTime() })),
        };
        const offered = new Set(findFreeSlots(query).flatMap((day) => day.slots.map((slot) => slot.start)));
        for (const start of startsOf(origin, days)) {
          const reasons = explainSlot(query, periods, start);
          expect({ start, bookable: reasons.length === 0 }).toEqual({ start, bookable: offered.has(start) });
        }
      }),
      { numRuns: 80 },
    );
  });

  it("per technician: a slot lists a technician exactly when their explanation is empty", () => {
    fc.assert(
      fc.property(schedule, ({ rules, periods, technicians, shared, origin, days }) => {
        const lanes = new Lanes(technicians);
        const candidates: TechnicianCandidate[] = technicians.map((technician) => ({
          technician,
          rules: technicianRules(rules, technician),
          periods: lanes.periodsOf(periods, technician.id),
        }));
        const offered = new Map<number, string[]>();
        for (const day of findTechnicianSlots(shared, candidates, rules.timeZone)) {
          for (const slot of day.slots) offered.set(slot.start, slot.technicianIds);
        }
        for (const start of startsOf(origin, days)) {
          const free = candidates
            .filter((c) => explainSlot(queryOf(shared, c), c.periods, start).length === 0)
            .map((c) => c.technician.id);
          expect([...(offered.get(start) ?? [])].sort()).toEqual(free.sort());
        }
      }),
      { numRuns: 60 },
    );
  });

  it("busy time of one technician never blocks another; business-wide time blocks both", () => {
    const [a, b] = ["00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"];
    const technician = (id: string) => ({ id, calendarId: null, jobberUserId: null, housecallProEmployeeId: null });
    const lanes = new Lanes([technician(a), technician(b)] as Technician[]);
    const at = new Date(0);
    const theirs: BusyPeriod = { kind: "appointment", id: "1", start: at, end: at, technicianId: a };
    const block: BusyPeriod = { kind: "block", id: "2", start: at, end: at };
    expect(lanes.periodsOf([theirs, block], b)).toEqual([block]);
    expect(lanes.periodsOf([theirs, block], a)).toEqual([theirs, block]);
  });

  it("the any-technician policy: fewest bookings that day, then the lowest id", () => {
    const counts: Record<string, number> = { c: 0, a: 2, b: 0 };
    expect(rankTechnicians(["a", "b", "c"], (id) => counts[id]!)).toEqual(["b", "c", "a"]);
    expect(rankTechnicians(["c", "b"], () => 1)).toEqual(["b", "c"]);
  });
});
