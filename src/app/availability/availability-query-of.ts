import type { EntityManager } from "@mikro-orm/postgresql";
import type { AvailabilityQuery } from "../../domain/availability/availability.js";
import type { SchedulingRules } from "../../domain/availability/scheduling-rules.js";
import { localToUtc } from "../../domain/availability/time-zone.js";
import type { Clock } from "../../domain/clock.js";
import { loadBusyPeriods } from "./load-busy-periods.js";

/**
 * The engine's question for local dates firstDay..lastDay of timeZone, with
 * the busy time that can touch them (widened by the buffers). Soft blocks
 * count: CheckAvailability never offers soft-blocked time.
 */
export async function availabilityQueryOf(
  em: EntityManager,
  clock: Clock,
  tenantId: string,
  rules: SchedulingRules,
  window: { firstDay: number; lastDay: number; durationMinutes: number; timeZone: string },
): Promise<AvailabilityQuery> {
  const start = localToUtc(window.timeZone, window.firstDay, 0) - rules.bufferAfterMinutes * 60_000;
  const end = localToUtc(window.timeZone, window.lastDay + 1, 0) + rules.bufferBeforeMinutes * 60_000;
  const periods = await loadBusyPeriods(em, tenantId, { start: new Date(start), end: new Date(end) }, rules, {
    includeSoftBlocks: true,
  });
  return {
    rules,
    timeZone: window.timeZone,
    firstDay: window.firstDay,
    lastDay: window.lastDay,
    durationMinutes: window.durationMinutes,
    busy: periods.map((period) => ({ start: period.start.getTime(), end: period.end.getTime() })),
    clock,
  };
}
