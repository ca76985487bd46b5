import fc from "fast-check";
import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { findFreeSlots, findFreeWindows, type AvailabilityQuery } from "../../src/domain/availability/availability.js";
import type { Interval } from "../../src/domain/availability/intervals.js";
import { formatLocalDate, parseLocalDate } from "../../src/domain/availability/local-date.js";
import { defaultSchedulingRules, type SchedulingRules } from "../../src/domain/availability/scheduling-rules.js";
import { fixedClock } from "../../src/domain/clock.js";

/**
 * Everything is generated on a 15-minute grid (zones' offsets and DST shifts
 * are multiples of 15 minutes too), so a brute-force oracle that tries every
 * grid instant can be compared with the engine exactly.
 */
const GRID = 15 * 60_000;
const ZONES = ["UTC", "America/Los_Angeles", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "Europe/London"];
/** Window starts around DST changes of the zones above. */
const WINDOW_STARTS = [
  "2024-03-08",
  "2024-03-29",
  "2024-04-05",
  "2024-10-04",
  "2024-11-01",
  "2024-09-27",
  "2024-06-10",
];

const quarter = (max: number) => fc.integer({ min: 0, max: max / 15 }).map((q) => q * 15);
const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, "0")}:${String(minute % 60).padStart(2, "0")}`;

/** Non-overlapping ranges of one day, from sorted distinct grid points. */
const dayRanges = fc.uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 6 }).map((points) => {
  const sorted = [...points].sort((a, b) => a - b);
  const ranges = [];
  for (let i = 0; i + 1 < sorted.length; i += 2)
    ranges.push({ start: hhmm(sorted[i]! * 15), end: hhmm(sorted[i + 1]! * 15) });
  return ranges;
});

const scenario = fc
  .record({
    zone: fc.constantFrom(...ZONES),
    requestZone: fc.constantFrom(...ZONES),
    windowStart: fc.constantFrom(...WINDOW_STARTS),
    days: fc.integer({ min: 1, max: 8 }),
    weekly: fc.array(dayRanges, { minLength: 7, maxLength: 7 }),
    overrideClosedDay: fc.option(fc.integer({ min: 0, max: 7 }), { nil: undefined }),
    durationMinutes: quarter(300).map((m) => m + 15),
    bufferBefore: quarter(60),
    bufferAfter: quarter(60),
    notice: quarter(600),
    nowOffsetQuarters: fc.integer({ min: -200, max: 400 }),
    horizonDays: fc.integer({ min: 1, max: 10 }),
    busy: fc.array(fc.tuple(fc.integer({ min: -100, max: 1000 }), fc.integer({ min: 0, max: 16 })), { maxLength: 40 }),
  })
  .map((s) => {
    const firstDay = parseLocalDate(s.windowStart)!;
    const lastDay = firstDay + s.days - 1;
    const origin = DateTime.fromISO(s.windowStart, { zone: "UTC" }).toMillis();
    const rules: SchedulingRules = {
      ...defaultSchedulingRules(s.zone),
      weeklyHours: s.weekly.map((ranges, i) => ({ weekday: i + 1, ranges })),
      dateOverrides:
        s.overrideClosedDay === undefined
          ? []
          : [{ date: formatLocalDate(firstDay + s.overrideClosedDay), closed: true, ranges: [] }],
      slotIntervalMinutes: 15,
      bufferBeforeMinutes: s.bufferBefore,
      bufferAfterMinutes: s.bufferAfter,
      minimumNoticeMinutes: s.notice,
      bookingHorizonDays: s.horizonDays,
    };
    const busy: Interval[] = s.busy.map(([q, length]) => ({
      start: origin + q * GRID,
      end: origin + (q + length) * GRID,
    }));
    const query: AvailabilityQuery = {
      rules,
      timeZone: s.requestZone,
      firstDay,
      lastDay,
      durationMinutes: s.durationMinutes,
      busy,
      clock: fixedClock(new Date(origin + s.nowOffsetQuarters * GRID)),
    };
    return query;
  });

/** Business hours straight from Luxon, one DateTime per boundary, touching ranges joined. */
function oracleBusinessHours(rules: SchedulingRules, firstDay: number, lastDay: number): Interval[] {
  const out: Interval[] = [];
  for (let day = firstDay; day <= lastDay; day++) {
    const date = DateTime.fromISO(formatLocalDate(day), { zone: rules.timeZone });
    const override = rules.dateOverrides.find((o) => o.date === formatLocalDate(day));
    const ranges = override
      ? override.ranges
      : (rules.weeklyHours.find((w) => w.weekday === date.weekday)?.ranges ?? []);
    for (const range of ranges) {
      const at = (text: string) => {
        const [h, m] = text.split(":").map(Number) as [number, number];
        return h === 24 ? date.plus({ days: 1 }).toMillis() : date.set({ hour: h, minute: m }).toMillis();
      };
      const start = at(range.start);
      const end = at(range.end);
      if (end <= start) continue;
      const last = out.at(-1);
      if (last && start <= last.end) last.end = Math.max(last.end, end);
      else out.push({ start, end });
    }
  }
  return out;
}

function oracleSlots(query: AvailabilityQuery): Interval[] {
  const { rules } = query;
  const now = query.clock.now().getTime();
  const windowStart = DateTime.fromISO(formatLocalDate(query.firstDay), { zone: query.timeZone }).toMillis();
  const windowEnd = DateTime.fromISO(formatLocalDate(query.lastDay + 1), { zone: query.timeZone }).toMillis();
  const horizon = DateTime.fromMillis(now, { zone: rules.timeZone })
    .plus({ days: rules.bookingHorizonDays })
    .toMillis();
  const open = oracleBusinessHours(rules, query.firstDay - 2, query.lastDay + 2);
  const duration = query.durationMinutes * 60_000;
  const slots: Interval[] = [];
  for (let start = windowStart; start + duration <= windowEnd; start += GRID) {
    const end = start + duration;
    if (start < now + rules.minimumNoticeMinutes * 60_000 || end > horizon) continue;
    if (!open.some((o) => o.start <= start && end <= o.end)) continue;
    const blocked = query.busy.some(
      (b) =>
        b.start - rules.bufferBeforeMinutes * 60_000 < end &&
        start < b.end + rules.bufferAfterMinutes * 60_000 &&
        b.end > b.start,
    );
    if (!blocked) slots.push({ start, end });
  }
  return slots;
}

function coverage(intervals: Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const x of intervals) {
    const last = out.at(-1);
    if (last && x.start <= last.end) last.end = Math.max(last.end, x.end);
    else out.push({ ...x });
  }
  return out;
}

describe("availability properties", () => {
  it("slots are exactly the grid instants a brute-force check accepts, sorted, unique, of the duration, on their local date", () => {
    fc.assert(
      fc.property(scenario, (query) => {
        const days = findFreeSlots(query);
        expect(days.map((d) => d.date)).toEqual(
          Array.from({ length: query.lastDay - query.firstDay + 1 }, (_, i) => formatLocalDate(query.firstDay + i)),
        );
        for (const day of days) {
          for (const slot of day.slots) {
            expect(slot.end - slot.start).toBe(query.durationMinutes * 60_000);
            expect(DateTime.fromMillis(slot.start, { zone: query.timeZone }).toISODate()).toBe(day.date);
          }
        }
        const flat = days.flatMap((d) => d.slots);
        for (let i = 1; i < flat.length; i++) expect(flat[i]!.start).toBeGreaterThan(flat[i - 1]!.start);
        expect(flat).toEqual(oracleSlots(query));
      }),
      { numRuns: 300 },
    );
  });

  it("WINDOWS mode is the union of SLOTS mode's coverage", () => {
    fc.assert(
      fc.property(scenario, (query) => {
        const windows = findFreeWindows(query).flatMap((d) => d.slots);
        const slots = findFreeSlots(query).flatMap((d) => d.slots);
        expect(windows).toEqual(coverage(slots));
        for (const window of windows)
          expect(window.end - window.start).toBeGreaterThanOrEqual(query.durationMinutes * 60_000);
      }),
      { numRuns: 300 },
    );
  });
});
