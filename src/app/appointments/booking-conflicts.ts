import type { BusyPeriod } from "../../domain/availability/busy-period.js";
import type { Clock } from "../../domain/clock.js";
import type { SqlReader } from "../../db/sql-pool.js";
import { findSuggestedSlots } from "../availability/find-suggested-slots.js";
import { loadBusyPeriods } from "../availability/load-busy-periods.js";
import { loadSchedulingRules } from "../availability/load-scheduling-rules.js";

export interface TimeSlot {
  start: Date;
  end: Date;
}

export interface BookingConflicts {
  conflicts: BusyPeriod[];
  suggestedSlots: TimeSlot[];
}

const SUGGESTED_SLOT_COUNT = 3;

/**
 * What stands in the way of booking [start, end): active appointments, hard
 * blocks and busy calendar time (soft blocks never stop an explicit booking).
 * `ignoreAppointmentId` leaves out the appointment being moved.
 */
export async function findBookingConflicts(
  sql: SqlReader,
  tenantId: string,
  window: TimeSlot,
  ignoreAppointmentId?: string,
): Promise<BusyPeriod[]> {
  const { rules } = await loadSchedulingRules(sql, tenantId);
  const periods = await loadBusyPeriods(sql, tenantId, window, rules, { includeSoftBlocks: false });
  return periods.filter((p) => !(p.kind === "appointment" && p.id === ignoreAppointmentId));
}

/** The conflicts and the next free slots of the same length, for a refused booking. */
export async function explainRefusal(
  sql: SqlReader,
  clock: Clock,
  tenantId: string,
  window: TimeSlot,
  ignoreAppointmentId?: string,
): Promise<BookingConflicts> {
  const conflicts = await findBookingConflicts(sql, tenantId, window, ignoreAppointmentId);
  const durationMinutes = Math.round((window.end.getTime() - window.start.getTime()) / 60_000);
  const suggestedSlots = await findSuggestedSlots(
    sql,
    clock,
    tenantId,
    durationMinutes,
    window.start,
    SUGGESTED_SLOT_COUNT,
  );
  return { conflicts, suggestedSlots };
}
