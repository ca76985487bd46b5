import type { SchedulingRules } from "../../domain/availability/scheduling-rules.js";
import { utcToLocal } from "../../domain/availability/time-zone.js";
import type { Clock } from "../../domain/clock.js";
import type { Technician } from "../../domain/technicians/technician.js";
import type { SqlReader } from "../../db/sql-pool.js";
import type { BusyLens } from "../availability/load-busy-periods.js";
import { technicianDaysOf, technicianQuestionOf } from "./technician-availability.js";

/** Days searched per round of queries: most searches end in the first. */
const SEARCH_CHUNK_DAYS = 14;

export interface SuggestedTechnicianSlot {
  start: Date;
  end: Date;
  technicianIds: string[];
}

/**
 * The next `count` slots of durationMinutes starting at or after `from` that
 * one of the chosen technicians can take, exactly as CheckAvailability would
 * offer them, searching forward through the booking horizon.
 */
export async function suggestTechnicianSlots(
  sql: SqlReader,
  clock: Clock,
  tenantId: string,
  rules: SchedulingRules,
  technicians: { chosen: readonly Technician[]; everyone: readonly Technician[] },
  request: { durationMinutes: number; from: Date; count: number; lens: BusyLens },
): Promise<SuggestedTechnicianSlot[]> {
  const { durationMinutes, from, count } = request;
  if (technicians.chosen.length === 0 || count <= 0 || durationMinutes < 1) return [];
  const now = clock.now().getTime();
  const zone = rules.timeZone;
  const lastBookableDay = utcToLocal(zone, now).epochDay + rules.bookingHorizonDays;
  const found: SuggestedTechnicianSlot[] = [];
  const earliest = Math.max(from.getTime(), now);
  for (let firstDay = utcToLocal(zone, earliest).epochDay; firstDay <= lastBookableDay; firstDay += SEARCH_CHUNK_DAYS) {
    const window = {
      firstDay,
      lastDay: Math.min(firstDay + SEARCH_CHUNK_DAYS - 1, lastBookableDay),
      durationMinutes,
      timeZone: zone,
    };
    const question = await technicianQuestionOf(sql, clock, tenantId, rules, window, technicians, request.lens);
    for (const day of technicianDaysOf(question, rules)) {
      for (const slot of day.slots) {
        if (slot.start < from.getTime()) continue;
        found.push({ start: new Date(slot.start), end: new Date(slot.end), technicianIds: slot.technicianIds });
        if (found.length === count) return found;
      }
    }
  }
  return found;
}
