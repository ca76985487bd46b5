import type { NewAppointment } from "../../domain/appointments/new-appointment.js";
import type { BusyPeriod } from "../../domain/availability/busy-period.js";
import { bookingsPerDay, rankTechnicians } from "../../domain/availability/technician-slots.js";
import { utcToLocal } from "../../domain/availability/time-zone.js";
import type { Caller } from "../../domain/caller.js";
import { Lanes } from "../../domain/technicians/lanes.js";
import { BEGIN, COMMIT, ROLLBACK, type Pipeline, type SqlReader, type Statement } from "../../db/sql-pool.js";
import { recordWith, type AppointmentRecord } from "../appointments/appointment-record.js";
import type { AppointmentRow } from "../appointments/appointment-row.js";
import type { BookingConflicts } from "../appointments/booking-conflicts.js";
import { reviveBookingResult } from "../appointments/booking-result-json.js";
import {
  BOOK_UNLESS_BUSY,
  bookingValues,
  CLEAR_STALE_HOLDS,
  staleHoldValues,
  type BookingPlacement,
} from "../appointments/insert-appointment.js";
import { findSuggestedSlots } from "../availability/find-suggested-slots.js";
import { busyPeriodsOf, loadBusyArrays, type BusyArrays, type BusyLens } from "../availability/load-busy-periods.js";
import type { AppContext } from "../context.js";
import { claimIdempotencyKey, hashRequest, saveIdempotentResponse } from "../shared/idempotency.js";
import { TENANT_SCHEDULE_LOCK, tenantScheduleLockKey } from "../shared/tenant-schedule-lock.js";
import { suggestTechnicianSlots } from "./suggest-technician-slots.js";
import { chooseTechnicians, type TechnicianChoice } from "./technician-choice.js";
import { loadTechnicians } from "./technician-rows.js";
import { candidatesOf } from "./technician-availability.js";

export interface PlaceBookingCommand {
  tenantId: string;
  input: NewAppointment;
  idempotency?: { key: string; scope: string };
  /** Undefined: business-wide (blocks every technician). */
  choice?: TechnicianChoice;
  /** The caller's own hold: not busy for them, used up by the booking. */
  holdToken?: string;
  /** Insert a hold instead of an appointment. */
  hold?: { token: string; expiresAt: Date };
}

export type PlaceBookingResult =
  | { created: true; appointment: AppointmentRecord }
  | ({ created: false } & BookingConflicts & { suggestedSlots: { technicianIds?: string[] }[] });

const SUGGESTED_SLOT_COUNT = 3;
const SAVEPOINT: Statement = { name: "", text: "savepoint placement" };
const RELEASE: Statement = { name: "", text: "release savepoint placement" };
const UNDO: Statement = { name: "", text: "rollback to savepoint placement" };

type BookedRow = BusyArrays & AppointmentRow;

const overlaps = (period: BusyPeriod, window: { start: Date; end: Date }) =>
  period.start < window.end && period.end > window.start;

/**
 * Books (or holds) a technician, any qualified technician, or the business
 * as a whole, with the caller's own hold out of the way.
 *
 * The any-technician policy: among the qualified technicians free at that
 * time (by the busy read: their own and business-wide appointments, holds,
 * hard blocks, busy time on their or the business's calendars), the one with
 * the fewest bookings that local day, ties broken by the lowest technician
 * id (rankTechnicians). Each is then tried in that order, in one transaction
 * under the tenant's shared schedule lock, inside a savepoint: stale holds
 * cleared, then BOOK_UNLESS_BUSY with the technician's lane. The exclusion
 * constraint decides races: a booking that lost a technician to a concurrent
 * one waits for its commit, gets no row, and tries the next technician, so
 * N parallel "any" bookings of one slot with k free technicians book k
 * (each a different technician) and refuse the rest. A booked row whose
 * mirrored calendar time turns out busy for its lane is rolled back to the
 * savepoint and the next technician is tried.
 */
export async function placeBooking(
  ctx: AppContext,
  caller: Caller,
  command: PlaceBookingCommand,
): Promise<PlaceBookingResult> {
  const { tenantId, input, choice, holdToken } = command;
  const now = ctx.clock.now();
  const window = { start: input.start, end: input.end };
  const lens: BusyLens = { now, ...(holdToken ? { holdToken } : {}) };
  const everyone = choice ? await loadTechnicians(ctx.sql, tenantId) : [];
  const chosen = choice ? chooseTechnicians(everyone, choice) : [];
  const lanes = new Lanes(everyone);
  const { rules } = await ctx.schedulingRules.load(ctx.sql, tenantId);
  // Sealed per try with the tenant's current key, made on first use outside the transaction.
  const dataKey = await ctx.customerKeys.current(tenantId);
  const order = choice ? await rankFreeTechnicians() : [undefined];

  async function rankFreeTechnicians(): Promise<string[]> {
    const zone = rules.timeZone;
    const day = utcToLocal(zone, window.start.getTime()).epochDay;
    const span = {
      start: new Date(window.start.getTime() - 86_400_000),
      end: new Date(window.end.getTime() + 86_400_000),
    };
    const periods = busyPeriodsOf(await loadBusyArrays(ctx.sql, tenantId, span, { lens }), span, rules);
    const free = candidatesOf(chosen, everyone, rules, periods).filter(
      (candidate) => !candidate.periods.some((period) => overlaps(period, window)),
    );
    const counts = new Map(free.map((c) => [c.technician.id, bookingsPerDay(c, zone).get(day) ?? 0]));
    return rankTechnicians([...counts.keys()], (id) => counts.get(id)!);
  }

  // Inside the transaction every read goes through its connection (db): taking a second pooled
  // connection while holding one would exhaust the pool under a burst of bookings.
  /** What stands in the way for the lane (undefined: business-wide, everything). */
  const periodsFor = (periods: BusyPeriod[], technicianId: string | undefined) =>
    technicianId === undefined ? periods : lanes.periodsOf(periods, technicianId);

  const tryTechnician = async (
    db: Pipeline,
    technicianId: string | undefined,
  ): Promise<AppointmentRecord | undefined> => {
    const placement: BookingPlacement = {
      now,
      ...(technicianId ? { technicianId } : {}),
      ...(choice?.jobType ? { jobType: choice.jobType } : {}),
      ...(holdToken ? { holdToken } : {}),
      ...(command.hold ? { hold: command.hold } : {}),
    };
    const values = bookingValues(tenantId, caller, input, command.idempotency?.key, dataKey, placement);
    await db.rows(SAVEPOINT);
    await db.rows(CLEAR_STALE_HOLDS, staleHoldValues(tenantId, window, now, holdToken));
    const [row] = await db.rows<BookedRow>(BOOK_UNLESS_BUSY, values(true));
    let booked = Boolean(row?.id);
    if (booked) {
      const { rules: atVersion } = await ctx.schedulingRules.atVersion(db, tenantId, row!.rules_version);
      booked = periodsFor(busyPeriodsOf(row!, window, atVersion), technicianId).length === 0;
    }
    await db.rows(booked ? RELEASE : UNDO);
    return booked ? recordWith(row!, input) : undefined;
  };

  const refusal = async (db: SqlReader): Promise<PlaceBookingResult> => {
    const periods = busyPeriodsOf(await loadBusyArrays(db, tenantId, window, { lens }), window, rules);
    const lanesAsked = choice ? chosen.map((t) => t.id) : [undefined];
    const seen = new Set<string>();
    const conflicts = lanesAsked
      .flatMap((technicianId) => periodsFor(periods, technicianId))
      .filter((p) => overlaps(p, window) && !seen.has(`${p.kind}:${p.id}`) && seen.add(`${p.kind}:${p.id}`));
    const durationMinutes = Math.round((window.end.getTime() - window.start.getTime()) / 60_000);
    const suggestedSlots = choice
      ? await suggestTechnicianSlots(
          db,
          ctx.clock,
          tenantId,
          rules,
          { chosen, everyone },
          {
            durationMinutes,
            from: window.start,
            count: SUGGESTED_SLOT_COUNT,
            lens,
          },
        )
      : await findSuggestedSlots(db, ctx.clock, tenantId, durationMinutes, window.start, SUGGESTED_SLOT_COUNT);
    return { created: false, conflicts, suggestedSlots };
  };

  return ctx.sql.onOneConnection(async (db) => {
    await db.rows(BEGIN);
    if (command.idempotency) {
      const { key, scope } = command.idempotency;
      const claim = await claimIdempotencyKey(
        db,
        ctx.customerKeys,
        tenantId,
        scope,
        key,
        hashRequest({ input, choice, holdToken }),
      );
      if (claim.kind === "replay") {
        await db.rows(ROLLBACK);
        return reviveBookingResult(claim.response) as PlaceBookingResult;
      }
    }
    await db.rows(TENANT_SCHEDULE_LOCK.booking, [tenantScheduleLockKey(tenantId)]);
    let appointment: AppointmentRecord | undefined;
    for (const technicianId of order) {
      appointment = await tryTechnician(db, technicianId);
      if (appointment) break;
    }
    const result: PlaceBookingResult = appointment ? { created: true, appointment } : await refusal(db);
    if (command.idempotency) {
      const { key, scope } = command.idempotency;
      const stored = result.created ? { ...result, appointment: { ...result.appointment } } : result;
      await saveIdempotentResponse(db, ctx.customerKeys, tenantId, scope, key, stored, appointment?.id ?? null);
    }
    await db.rows(COMMIT);
    return result;
  });
}
