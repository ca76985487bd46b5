import { actorOf, type Caller } from "../../domain/caller.js";
import { validateNewAppointment, type NewAppointmentRequest } from "../../domain/appointments/new-appointment.js";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../../domain/errors.js";
import { requireText } from "../../domain/validation.js";
import type { Statement } from "../../db/sql-pool.js";
import {
  loadAppointmentRecord,
  recordWith,
  sealCustomerData,
  type AppointmentRecord,
} from "../appointments/appointment-record.js";
import type { AppointmentRow } from "../appointments/appointment-row.js";
import { findBookingConflicts, laneOf } from "../appointments/booking-conflicts.js";
import { RECEIVING_CALENDAR_EXISTS, technicianCalendarOwed } from "../appointments/insert-appointment.js";
import type { AppContext } from "../context.js";
import { deliverSoon } from "../outbox/deliver-soon.js";
import { aggregateIdOf, appointmentCreated, customerNotification } from "../outbox/outbox-message.js";
import { refreshStaleMirrors, requireMaxStaleness, type DataFreshness } from "../sync/refresh-stale-mirrors.js";

const HELD: Statement = {
  name: "held-slot",
  text: `select id, start_time, end_time, technician_id::text, expires_at from appointments
         where tenant_id = $1 and hold_token = $2 and status = 'held'`,
};

/**
 * The hold becomes the appointment in place, in ONE statement: the row keeps
 * its time and technician (so the exclusion constraint, which it already
 * satisfies, cannot refuse it), takes the details, loses its token and
 * expiry, and queues its outbox messages (the calendar write when a
 * calendar receives it, the business's or the technician's, and when asked,
 * the customer's confirmation: $14..$17) and audit row, as a booking does.
 * The customer's data arrives sealed (one record, $3; indexes and key
 * version $18..$20); the job type is the hold's when it has one. Only an
 * unexpired hold converts: a booking that cleared it after expiry, or a
 * release, wins.
 */
const CONFIRM_HOLD: Statement = {
  name: "confirm-hold",
  text: `
  with confirmed as (
    update appointments set customer_data_enc = $3::bytea, title = $4, job_type = coalesce(job_type, $5),
      latitude = $6::float8, longitude = $7::float8, estimated_cost = $8::numeric, status = $9, hold_token = null,
      expires_at = null, created_by = $13, updated_at = $10::timestamptz, customer_phone_index = $18::bytea,
      customer_email_index = $19::bytea, pii_key_version = $20::integer, customer_id = $21, lead_id = $22,
      conversation_id = $23, urgency = $24, estimated_duration_minutes = $25::integer, timezone = $26,
      sync_status = case when exists (${RECEIVING_CALENDAR_EXISTS})
                           or exists (${technicianCalendarOwed("appointments.technician_id")})
                      then 'pending' else 'not_required' end
    where tenant_id = $1 and hold_token = $2 and status = 'held' and expires_at > $10::timestamptz
    returning *
  ), queued as (
    insert into outbox (tenant_id, topic, aggregate_id, payload)
    select tenant_id, $11::text, id::text, $12::jsonb from confirmed where sync_status = 'pending'
    union all
    select tenant_id, $14::text, $15::text, $16::jsonb from confirmed where $17::boolean
  ), audited as (
    insert into audit_log (tenant_id, actor, action, entity_type, entity_id, changes)
    select tenant_id, $13, 'appointment.created', 'appointment', id::text,
      jsonb_build_object('startTime', start_time, 'endTime', end_time, 'status', status, 'fromHold', true,
        'technicianId', technician_id)
    from confirmed
  )
  select * from confirmed`,
};

export interface ConfirmHoldInput {
  tenantId: string;
  holdToken: string;
  /** The appointment's details; start and end, when given, must be the hold's. */
  request: NewAppointmentRequest;
  /** Sync calendars older than this first (within the freshness budget), then re-check the held time. */
  maxStalenessSeconds?: number;
}

export interface ConfirmHoldResult {
  appointment: AppointmentRecord;
  dataAsOf: DataFreshness[];
}

/**
 * Converts the caller's unexpired hold into the appointment. A hold keeps
 * other bookings out, not the business's calendars: with
 * maxStalenessSeconds, stale mirrors are brought up to date first and the
 * held time is judged again in the hold's lane (its technician's, or
 * business-wide), as a booking would be; time that became busy since the
 * hold refuses the conversion and leaves the hold as it is.
 */
export async function confirmHold(
  ctx: AppContext,
  caller: Caller,
  input: ConfirmHoldInput,
): Promise<ConfirmHoldResult> {
  const token = requireText("hold_token", input.holdToken, 100);
  const maxStalenessSeconds = requireMaxStaleness(input.maxStalenessSeconds);
  const now = ctx.clock.now();
  const [hold] = await ctx.sql.rows<{
    id: string;
    start_time: Date;
    end_time: Date;
    technician_id: string | null;
    expires_at: Date;
  }>(HELD, [input.tenantId, token]);
  if (!hold) throw new NotFoundError("hold_token: no such hold (confirmed, released or expired)");
  const start = new Date(hold.start_time);
  const end = new Date(hold.end_time);
  if (input.request.start && input.request.start.getTime() !== start.getTime()) {
    throw new InvalidArgumentError("appointment.start_time", "must be empty or the hold's start");
  }
  if (input.request.end && input.request.end.getTime() !== end.getTime()) {
    throw new InvalidArgumentError("appointment.end_time", "must be empty or the hold's end");
  }
  if (new Date(hold.expires_at) <= now) throw new FailedPreconditionError("hold_token: the hold has expired");
  const details = validateNewAppointment({ ...input.request, start, end }, now);
  const dataAsOf = await refreshStaleMirrors(ctx, caller, { tenantId: input.tenantId, maxStalenessSeconds });
  if (maxStalenessSeconds !== undefined) {
    const lane = laneOf({ id: hold.id, technicianId: hold.technician_id });
    const busy = await findBookingConflicts(ctx.sql, ctx.clock, input.tenantId, { start, end }, lane);
    if (busy.length > 0) {
      throw new FailedPreconditionError(
        `hold_token: the held time has become busy (${busy.map((p) => `${p.kind} ${p.id}`).join(", ")}): release the hold and hold another time`,
      );
    }
  }
  const message = appointmentCreated(hold.id, details.notifyCustomer, hold.technician_id ?? undefined);
  const notification = customerNotification(hold.id, "confirmation");
  const sealed = sealCustomerData(await ctx.customerKeys.current(input.tenantId), hold.id, details);
  // Read again: a refresh may have taken a while, and the hold must still be unexpired when it converts.
  const convertedAt = ctx.clock.now();
  const [row] = await ctx.sql.rows<AppointmentRow>(CONFIRM_HOLD, [
    input.tenantId,
    token,
    sealed.customerDataEnc,
    details.title,
    details.jobType,
    details.latitude,
    details.longitude,
    details.estimatedCost,
    details.status,
    convertedAt.toISOString(),
    message.topic,
    JSON.stringify(message.payload),
    actorOf(caller),
    notification.topic,
    aggregateIdOf(notification),
    JSON.stringify(notification.payload),
    details.notifyCustomer,
    sealed.customerPhoneIndex,
    sealed.customerEmailIndex,
    sealed.piiKeyVersion,
    details.customerId,
    details.leadId,
    details.conversationId,
    details.urgency,
    details.estimatedDurationMinutes,
    details.timezone,
  ]);
  if (!row) throw new FailedPreconditionError("hold_token: the hold has expired or was released");
  const delivered = await deliverSoon(ctx, input.tenantId, hold.id, {
    calendar: row.sync_status === "pending",
    customer: details.notifyCustomer,
  });
  // A written event changed the row (event id, sync status): answer with it.
  const current = delivered.calendarWritten
    ? await loadAppointmentRecord(ctx.customerKeys, ctx.orm.em.fork(), hold.id)
    : null;
  return { appointment: current ?? recordWith(row, details), dataAsOf };
}
