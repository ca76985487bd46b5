import type { Clock } from "../clock.js";
import { expandBusinessHours } from "./business-hours.js";
import { forEachUncovered, unionOf, type Interval } from "./intervals.js";
import { formatLocalDate, MS_PER_DAY } from "./local-date.js";
import type { SchedulingRules } from "./scheduling-rules.js";
import { localToUtc, utcToLocal } from "./time-zone.js";

/** A validated availability question (see availability-query.ts). */
export interface AvailabilityQuery {
  rules: SchedulingRules;
  /** Zone the dates are read in and slots are grouped by. */
  timeZone: string;
  /** First and last local date, epoch days, inclusive. */
  firstDay: number;
  lastDay: number;
  durationMinutes: number;
  /** Busy periods in any order, epoch ms; buffers are added here. */
  busy: readonly Interval[];
  clock: Clock;
}

export interface DayAvailability {
  /** Local date in the query's zone, YYYY-MM-DD. */
  date: string;
  /** Slots or windows starting that date, epoch ms, sorted. */
  slots: Interval[];
}

type FreePeriodVisitor = (start: number, end: number, anchor: number) => void;

/** The end of the booking horizon: the same wall time, horizon days after now, in the tenant's zone. */
function horizonEndOf(rules: SchedulingRules, now: number): number {
  const local = utcToLocal(rules.timeZone, now);
  return localToUtc(rules.timeZone, local.epochDay + rules.bookingHorizonDays, local.minuteOfDay) + (now % 60_000);
}

/**
 * Local midnights of the query's dates as instants: day i is
 * [bounds[i], bounds[i + 1]), so bounds has one more entry than there are days.
 */
export function dayBoundsOf(query: AvailabilityQuery): Float64Array {
  const dayCount = query.lastDay - query.firstDay + 1;
  const bounds = new Float64Array(dayCount + 1);
  for (let i = 0; i <= dayCount; i++) bounds[i] = localToUtc(query.timeZone, query.firstDay + i, 0);
  return bounds;
}

/**
 * The part of the query's dates a slot may occupy: from now + minimum notice
 * (or the first date's start) to the horizon (or the last date's end). Shared
 * by the slot search and explainSlot, so they can never disagree.
 */
export function bookableRangeOf(query: AvailabilityQuery, bounds: Float64Array): { from: number; to: number } {
  const { rules } = query;
  const now = query.clock.now().getTime();
  return {
    from: Math.max(bounds[0]!, now + rules.minimumNoticeMinutes * 60_000),
    to: Math.min(bounds[bounds.length - 1]!, horizonEndOf(rules, now)),
  };
}

/** The business hours the slot search expands for a bookable range (the same days explainSlot reads). */
export function hoursAround(query: AvailabilityQuery, from: number, to: number) {
  // The tenant's local dates of from and to lie within a day of their UTC dates.
  return expandBusinessHours(query.rules, Math.floor(from / MS_PER_DAY) - 1, Math.floor(to / MS_PER_DAY) + 1);
}

/**
 * Visits, in order, every free period: business hours minus busy time (with
 * buffers), cut to the query's dates, to now + minimum notice and to the
 * horizon; with the instant its business-hours range opens.
 */
function forEachFreePeriod(query: AvailabilityQuery, bounds: Float64Array, visit: FreePeriodVisitor): void {
  const { rules } = query;
  const { from, to } = bookableRangeOf(query, bounds);
  if (from >= to) return;
  const hours = hoursAround(query, from, to);
  const busy = unionOf(query.busy, rules.bufferBeforeMinutes * 60_000, rules.bufferAfterMinutes * 60_000);
  let busyIndex = 0;
  for (let i = 0; i < hours.starts.length; i++) {
    const start = Math.max(hours.starts[i]!, from);
    const end = Math.min(hours.ends[i]!, to);
    if (start >= end) continue;
    busyIndex = forEachUncovered(busy, start, end, busyIndex, hours.anchors[i]!, visit);
  }
}

function emptyDays(query: AvailabilityQuery): DayAvailability[] {
  const days: DayAvailability[] = [];
  for (let day = query.firstDay; day <= query.lastDay; day++) days.push({ date: formatLocalDate(day), slots: [] });
  return days;
}

/**
 * Bookable slots of exactly the duration, stepping by the slot interval from
 * each business-hours range's opening instant, grouped by the local date of
 * their start. Every date of the query has an entry, with or without slots.
 */
export function findFreeSlots(query: AvailabilityQuery): DayAvailability[] {
  const days = emptyDays(query);
  const bounds = dayBoundsOf(query);
  const duration = query.durationMinutes * 60_000;
  const step = query.rules.slotIntervalMinutes * 60_000;
  let dayIndex = 0;
  forEachFreePeriod(query, bounds, (start, end, anchor) => {
    let slotStart = anchor + Math.ceil((start - anchor) / step) * step;
    for (; slotStart + duration <= end; slotStart += step) {
      while (slotStart >= bounds[dayIndex + 1]!) dayIndex++;
      days[dayIndex]!.slots.push({ start: slotStart, end: slotStart + duration });
    }
  });
  return days;
}

/**
 * Maximal free windows at least the duration long, grouped by the local date
 * of their start. Free periods of adjacent business-hours ranges join.
 */
export function findFreeWindows(query: AvailabilityQuery): DayAvailability[] {
  const days = emptyDays(query);
  const bounds = dayBoundsOf(query);
  const duration = query.durationMinutes * 60_000;
  let dayIndex = 0;
  let openStart = 0;
  let openEnd = -Infinity;
  const flush = () => {
    if (openEnd - openStart < duration) return;
    while (openStart >= bounds[dayIndex + 1]!) dayIndex++;
    days[dayIndex]!.slots.push({ start: openStart, end: openEnd });
  };
  forEachFreePeriod(query, bounds, (start, end) => {
    if (start === openEnd) {
      openEnd = end;
      return;
    }
    flush();
    openStart = start;
    openEnd = end;
  });
  flush();
  return days;
}
