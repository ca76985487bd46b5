import type { Caller } from "../../domain/caller.js";
import {
  validateNewAppointment,
  type NewAppointment,
  type NewAppointmentRequest,
} from "../../domain/appointments/new-appointment.js";
import { BEGIN, COMMIT, ROLLBACK, type Pipeline, type Statement } from "../../db/sql-pool.js";
import { busyPeriodsOf, isEmptyBusy, type BusyArrays } from "../availability/load-busy-periods.js";
import type { AppContext } from "../context.js";
import { deliverSoon } from "../outbox/deliver-soon.js";
import { refreshStaleMirrors, type DataFreshness } from "../sync/refresh-stale-mirrors.js";
import { placeBooking } from "../technicians/place-booking.js";
import { technicianChoiceOf } from "../technicians/technician-choice.js";
import {
  claimIdempotencyKey,
  hashRequest,
  saveIdempotentResponse,
  validateIdempotencyKey,
} from "../shared/idempotency.js";
import { TENANT_SCHEDULE_LOCK, tenantScheduleLockKey } from "../shared/tenant-schedule-lock.js";
import { loadAppointmentRecord, recordWith, type AppointmentRecord } from "./appointment-record.js";
import type { AppointmentRow } from "./appointment-row.js";
import { explainRefusal, type BookingConflicts } from "./booking-conflicts.js";
import { reviveBookingResult } from "./booking-result-json.js";
import { BOOK_UNLESS_BUSY, bookingValues, CLEAR_STALE_HOLDS, staleHoldValues } from "./insert-appointment.js";

export interface CreateAppointmentInput {
  tenantId: string;
  request: NewAppointmentRequest;
  idempotencyKey: string;
  /** The request's technician fields; none set: a business-wide appointment. */
  technician?: { technicianId: string; anyTechnician: boolean; jobType: string };
  /** The caller's own hold (HoldSlot), used up by this booking. */
  holdToken?: string;
  /** Sync calendars older than this first (within the freshness budget). */
  maxStalenessSeconds?: number;
}

export type CreateAppointmentResult =
  | { created: true; appointment: AppointmentRecord; confirmationSent?: boolean }
  | ({ created: false } & BookingConflicts);

const IDEMPOTENCY_SCOPE = "appointment.create";

type Step = readonly [Statement, unknown[]?];
type BookedRow = BusyArrays & AppointmentRow;

/**
 * Sends steps pipelined (one round trip) and waits for every answer, so the
 * connection is idle again before the first error, if any, is thrown.
 */
async function send(db: Pipeline, steps: Step[]): Promise<unknown[][]> {
  const answers = await Promise.allSettled(steps.map(([statement, values]) => db.rows(statement, values)));
  const failed = answers.find((answer) => answer.status === "rejected");
  if (failed) throw failed.reason;
  return answers.map((answer) => (answer as PromiseFulfilledResult<unknown[]>).value);
}

function bookedRow(answers: unknown[][], index: number): BookedRow {
  return answers[index]![0] as BookedRow;
}

/**
 * Validates, brings stale mirrors up to date when the caller asks for
 * freshness, books (below), then tries the calendar event and the
 * confirmation right after commit, within the fast-path budget.
 */
export async function createAppointment(
  ctx: AppContext,
  caller: Caller,
  command: CreateAppointmentInput,
): Promise<CreateAppointmentResult & { dataAsOf: DataFreshness[] }> {
  const input = validateNewAppointment(command.request, ctx.clock.now());
  const key = validateIdempotencyKey(command.idempotencyKey);
  const { tenantId, holdToken } = command;
  // job_type alone is the appointment's kind of job (a business-wide booking); it narrows the pick
  // only with technician_id or any_technician.
  const technician = command.technician;
  const choice =
    technician && (technician.technicianId.trim() || technician.anyTechnician)
      ? technicianChoiceOf(technician)
      : undefined;
  const dataAsOf = await refreshStaleMirrors(ctx, caller, {
    tenantId,
    maxStalenessSeconds: command.maxStalenessSeconds,
  });
  // Technicians and holds: placeBooking (several tries in one transaction); plain bookings stay on one round trip.
  const result =
    choice || holdToken
      ? await placeBooking(ctx, caller, {
          tenantId,
          input,
          ...(key ? { idempotency: { key, scope: IDEMPOTENCY_SCOPE } } : {}),
          ...(choice ? { choice } : {}),
          ...(holdToken ? { holdToken } : {}),
        })
      : await book(ctx, caller, tenantId, input, key);
  if (!result.created) return { ...result, dataAsOf };
  // The booking queued a calendar row only for a receiving calendar, a confirmation only when asked:
  // no round trips for an empty lane.
  const delivered = await deliverSoon(ctx, command.tenantId, result.appointment.id, {
    calendar: result.appointment.syncStatus === "pending",
    customer: input.notifyCustomer,
  });
  // A written event changed the row (event id, sync status): answer with it.
  const current = delivered.calendarWritten
    ? await loadAppointmentRecord(ctx.customerKeys, ctx.orm.em.fork(), result.appointment.id)
    : null;
  return {
    created: true,
    appointment: current ?? result.appointment,
    confirmationSent: delivered.customerNotified,
    dataAsOf,
  };
}

/**
 * Books unless something stands in the way, under the tenant's schedule lock
 * (shared: bookings never wait for each other): a hard block committed before
 * the lock is seen by the booking statement, which runs after it; one
 * committing later waits for this transaction and then reports the booking.
 * Overlapping appointments are refused by the database itself at insert time.
 *
 * Without an idempotency key: BEGIN, the lock, the booking statement and
 * COMMIT go out together: one round trip. With one: the claim, the booking
 * and the stored reply commit together (three round trips).
 */
async function book(
  ctx: AppContext,
  caller: Caller,
  tenantId: string,
  input: NewAppointment,
  key: string | undefined,
): Promise<CreateAppointmentResult> {
  const window = { start: input.start, end: input.end };
  const now = ctx.clock.now();
  // Sealed here, before the round trip; the tenant's first key is made on first use, outside the transaction.
  const values = bookingValues(tenantId, caller, input, key, await ctx.customerKeys.current(tenantId), { now });
  const bookedRecord = (row: BookedRow): AppointmentRecord => recordWith(row, input);
  const lock: Step = [TENANT_SCHEDULE_LOCK.booking, [tenantScheduleLockKey(tenantId)]];
  const clearHolds: Step = [CLEAR_STALE_HOLDS, staleHoldValues(tenantId, window, now)];
  const book: (letMirroredThrough: boolean) => Step = (letMirroredThrough) => [
    BOOK_UNLESS_BUSY,
    values(letMirroredThrough),
  ];

  /** True when only mirrored calendar rows stopped the booking and the rules judge none of them busy. */
  const onlyNotBusyEvents = async (row: BookedRow): Promise<boolean> => {
    if (row.own_ids || isEmptyBusy(row)) return false;
    const { rules } = await ctx.schedulingRules.atVersion(ctx.sql, tenantId, row.rules_version);
    return busyPeriodsOf(row, window, rules).length === 0;
  };
  /** After the judgement let the mirrored rows through: books, then keeps it only if they are still not busy. */
  const bookPastEvents = async (
    db: Pipeline,
    open: Step[],
    keep: Step,
    undo: Step,
  ): Promise<AppointmentRecord | undefined> => {
    const answers = await send(db, [...open, book(true)]);
    const row = bookedRow(answers, open.length);
    const booked = row.id !== null && row.id !== undefined && (await onlyNotBusyEvents(row));
    await send(db, [booked ? keep : undo]);
    return booked ? bookedRecord(row) : undefined;
  };
  const answer = async (appointment: AppointmentRecord | undefined): Promise<CreateAppointmentResult> =>
    appointment
      ? { created: true, appointment }
      : { created: false, ...(await explainRefusal(ctx.sql, ctx.clock, tenantId, window)) };

  if (!key) {
    const appointment = await ctx.sql.onOneConnection(async (db) => {
      const row = bookedRow(await send(db, [[BEGIN], lock, clearHolds, book(false), [COMMIT]]), 3);
      if (row.id) return bookedRecord(row);
      if (!(await onlyNotBusyEvents(row))) return undefined;
      return bookPastEvents(db, [[BEGIN], lock, clearHolds], [COMMIT], [ROLLBACK]);
    });
    return answer(appointment);
  }

  return ctx.sql.onOneConnection(async (db): Promise<CreateAppointmentResult> => {
    await send(db, [[BEGIN]]);
    const claim = await claimIdempotencyKey(db, ctx.customerKeys, tenantId, IDEMPOTENCY_SCOPE, key, hashRequest(input));
    if (claim.kind === "replay") {
      await send(db, [[ROLLBACK]]);
      return reviveBookingResult(claim.response) as CreateAppointmentResult;
    }
    const row = bookedRow(await send(db, [lock, clearHolds, book(false)]), 2);
    let appointment = row.id ? bookedRecord(row) : undefined;
    if (!appointment && (await onlyNotBusyEvents(row))) {
      appointment = await bookPastEvents(
        db,
        [[{ name: "", text: "savepoint booking" }]],
        [{ name: "", text: "release savepoint booking" }],
        [{ name: "", text: "rollback to savepoint booking" }],
      );
    }
    const result = await answer(appointment);
    const stored = result.created ? { ...result, appointment: { ...result.appointment } } : result;
    const resourceId = result.created ? result.appointment.id : null;
    await saveIdempotentResponse(db, ctx.customerKeys, tenantId, IDEMPOTENCY_SCOPE, key, stored, resourceId);
    await send(db, [[COMMIT]]);
    return result;
  });
}
