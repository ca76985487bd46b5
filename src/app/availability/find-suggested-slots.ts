import { findFreeSlots } from "../../domain/availability/availability.js";
import { utcToLocal } from "../../domain/availability/time-zone.js";
import type { Clock } from "../../domain/clock.js";
import type { SqlReader } from "../../db/sql-pool.js";
import { availabilityQueryOf } from "./availability-query-of.js";
import { loadSchedulingRules } from "./load-scheduling-rules.js";

/** Days searched per round of queries: most searches end in the first. */
const SEARCH_CHUNK_DAYS = 14;

/**
 * The next `count` bookable slots of durationMinutes starting at or after
 * `from`, exactly as CheckAvailability would offer them, searching forward
 * through the booking horizon.
 */
export async function findSuggestedSlots(
  sql: SqlReader,
  clock: Clock,
  tenantId: string,
  durationMinutes: number,
  from: Date,
  count: number,
): Promise<{ start: Date; end: Date }[]> {
  if (count <= 0 || !Number.isInteger(durationMinutes) || durationMinutes < 1) return [];
  const { rules } = await loadSchedulingRules(sql, tenantId);
  const now = clock.now().getTime();
  const earliest = Math.max(from.getTime(), now);
  const zone = rules.timeZone;
  const lastBookableDay = utcToLocal(zone, now).epochDay + rules.bookingHorizonDays;
  const found: { start: Date; end: Date }[] = [];
  for (let firstDay = utcToLocal(zone, earliest).epochDay; firstDay <= lastBookableDay; firstDay += SEARCH_CHUNK_DAYS) {
    const lastDay = Math.min(firstDay + SEARCH_CHUNK_DAYS - 1, lastBookableDay);
    const query = await availabilityQueryOf(sql, clock, tenantId, rules, {
      firstDay,
      lastDay,
      durationMinutes,
      timeZone: zone,
    });
    for (const day of findFreeSlots(query)) {
      for (const slot of day.slots) {
        if (slot.start < from.getTime()) continue;
        found.push({ start: new Date(slot.start), end: new Date(slot.end) });
        if (found.length === count) return found;
      }
    }
  }
  return found;
}
