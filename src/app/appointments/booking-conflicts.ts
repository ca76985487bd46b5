import type { BusyPeriod } from "../../domain/availability/busy-period.js";
import type { Clock } from "../../domain/clock.js";
import { Lanes } from "../../domain/technicians/lanes.js";
import type { SqlReader } from "../../db/sql-pool.js";
import { findSuggestedSlots } from "../availability/find-suggested-slots.js";
import { loadBusyPeriods, type BusyLens } from "../availability/load-busy-periods.js";
import { loadSchedulingRules } from "../availability/load-scheduling-rules.js";
import { suggestTechnicianSlots } from "../technicians/suggest-technician-slots.js";
import { loadTechnicians } from "../technicians/technician-rows.js";
import { CLEAR_STALE_HOLDS, staleHoldValues } from "./insert-appointment.js";

export interface TimeSlot {
  start: Date;
  end: Date;
  /** Who can take the slot, when the booking is a technician's. */
  technicianIds?: string[];
}

export interface BookingConflicts {
  conflicts: BusyPeriod[];
  suggestedSlots: TimeSlot[];
}

/** Whose schedule a booking is judged on, and what it leaves out. */
export interface BookingLane {
  /**
   * The technician booked: only their own and business-wide busy time counts
   * (the exclusion constraint's lanes, see Lanes). Absent: a business-wide
   * booking, which everything stands in the way of.
   */
  technicianId?: string;
  /** The appointment being moved (or the hold being confirmed). */
  ignoreAppointmentId?: string;
}

const SUGGESTED_SLOT_COUNT = 3;

/**
 * What stands in the way of booking [start, end) in the lane: active
 * appointments, holds unexpired by the service's clock, hard blocks and busy
 * calendar time (soft blocks never stop an explicit booking), read as the
 * booking statement reads them.
 */
export async function findBookingConflicts(
  sql: SqlReader,
  clock: Clock,
  tenantId: string,
  window: { start: Date; end: Date },
  lane: BookingLane = {},
): Promise<BusyPeriod[]> {
  const { rules } = await loadSchedulingRules(sql, tenantId);
  const periods = await loadBusyPeriods(sql, tenantId, window, rules, {
    includeSoftBlocks: false,
    lens: lensOf(clock, lane),
  });
  const inLane = lane.technicianId
    ? new Lanes(await loadTechnicians(sql, tenantId)).periodsOf(periods, lane.technicianId)
    : periods;
  return inLane.filter((p) => !((p.kind === "appointment" || p.kind === "hold") && p.id === lane.ignoreAppointmentId));
}

/** An existing appointment's lane: its technician's (or business-wide), itself left out. */
export function laneOf(appointment: { id: string; technicianId?: string | null }): BookingLane {
  return {
    ignoreAppointmentId: appointment.id,
    ...(appointment.technicianId ? { technicianId: appointment.technicianId } : {}),
  };
}

/**
 * What stands in the way of writing an appointment (a move, or a booking
 * judged before its insert) at window, inside the writer's transaction after
 * the tenant's schedule lock. The expired holds overlapping the window are
 * deleted first, as the booking paths do: the exclusion constraint still
 * counts them though no reader does, so the write would otherwise be refused
 * over a hold nobody can see.
 */
export async function conflictsClearingStaleHolds(
  sql: SqlReader,
  clock: Clock,
  tenantId: string,
  window: { start: Date; end: Date },
  lane: BookingLane,
): Promise<BusyPeriod[]> {
  await sql.rows(CLEAR_STALE_HOLDS, staleHoldValues(tenantId, window, clock.now()));
  return findBookingConflicts(sql, clock, tenantId, window, lane);
}

/**
 * The conflicts and the next free slots of the same length in the same lane,
 * for a refused booking. A technician no longer on the tenant's list (deleted)
 * gets no suggestions: there are no hours of theirs to offer.
 */
export async function explainRefusal(
  sql: SqlReader,
  clock: Clock,
  tenantId: string,
  window: { start: Date; end: Date },
  lane: BookingLane = {},
): Promise<BookingConflicts> {
  const conflicts = await findBookingConflicts(sql, clock, tenantId, window, lane);
  const durationMinutes = Math.round((window.end.getTime() - window.start.getTime()) / 60_000);
  if (!lane.technicianId) {
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
  const everyone = await loadTechnicians(sql, tenantId);
  const chosen = everyone.filter((t) => t.id === lane.technicianId);
  const { rules } = await loadSchedulingRules(sql, tenantId);
  const suggestedSlots = await suggestTechnicianSlots(
    sql,
    clock,
    tenantId,
    rules,
    { chosen, everyone },
    { durationMinutes, from: window.start, count: SUGGESTED_SLOT_COUNT, lens: { now: clock.now() } },
  );
  return { conflicts, suggestedSlots };
}

function lensOf(clock: Clock, lane: BookingLane): BusyLens {
  return { now: clock.now(), ...(lane.technicianId ? { technicianId: lane.technicianId } : {}) };
}
