import type { AvailabilityQuery } from "../../domain/availability/availability.js";
import type { SchedulingRules } from "../../domain/availability/scheduling-rules.js";
import { localToUtc } from "../../domain/availability/time-zone.js";
import type { Clock } from "../../domain/clock.js";
import type { SqlReader } from "../../db/sql-pool.js";
import { busyIntervalsOf, loadBusyTimes, type BusyTimes, type BusyWindow } from "./load-busy-periods.js";

export interface AvailabilityWindow {
  firstDay: number;
  lastDay: number;
  durationMinutes: number;
  timeZone: string;
}

/** The instants whose busy time can touch local dates firstDay..lastDay (widened by the buffers). */
export function busySpanOf(rules: SchedulingRules, window: AvailabilityWindow): BusyWindow {
  const start = localToUtc(window.timeZone, window.firstDay, 0) - rules.bufferAfterMinutes * 60_000;
  const end = localToUtc(window.timeZone, window.lastDay + 1, 0) + rules.bufferBeforeMinutes * 60_000;
  return { start: new Date(start), end: new Date(end) };
}

/** The engine's question from busy times read for busySpanOf(rules, window). */
export function availabilityQueryFrom(
  busy: BusyTimes,
  clock: Clock,
  rules: SchedulingRules,
  window: AvailabilityWindow,
): AvailabilityQuery {
  return {
    rules,
    timeZone: window.timeZone,
    firstDay: window.firstDay,
    lastDay: window.lastDay,
    durationMinutes: window.durationMinutes,
    busy: busyIntervalsOf(busy, busySpanOf(rules, window), rules),
    clock,
  };
}

/**
 * The engine's question for local dates firstDay..lastDay of timeZone, with
 * the busy time that can touch them. Soft blocks count: CheckAvailability
 * never offers soft-blocked time.
 */
export async function availabilityQueryOf(
  sql: SqlReader,
  clock: Clock,
  tenantId: string,
  rules: SchedulingRules,
  window: AvailabilityWindow,
): Promise<AvailabilityQuery> {
  const busy = await loadBusyTimes(sql, tenantId, busySpanOf(rules, window), { now: clock.now() });
  return availabilityQueryFrom(busy, clock, rules, window);
}
