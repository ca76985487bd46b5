import { actorOf, type Caller } from "../../domain/caller.js";
import { validateNewAppointment, type NewAppointmentRequest } from "../../domain/appointments/new-appointment.js";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../../domain/errors.js";
import { requireText } from "../../domain/validation.js";
import type { Statement } from "../../db/sql-pool.js";
import type { Appointment } from "../../entities/appointment.js";
import { appointmentFromRow, type AppointmentRow } from "../appointments/appointment-row.js";
import type { AppContext } from "../context.js";
import { appointmentCreated } from "../outbox/outbox-message.js";

const HELD: Statement = {
  name: "held-slot",
  text: `select id, start_time, end_time, technician_id::text, expires_at from appointments
         where tenant_id = $1 and hold_token = $2 and status = 'held'`,
};

/**
 * The hold becomes the appointment in place, in ONE statement: the row keeps
 * its time and technician (so the exclusion constraint, which it already
 * satisfies, cannot refuse it), takes the details, loses its token and
 * expiry, and queues its outbox message and audit row. Only an unexpired
 * hold converts: a booking that cleared it after expiry, or a release, wins.
 */
const CONFIRM_HOLD: Statement = {
  name: "confirm-hold",
  text: `
  with confirmed as (
    update appointments set customer_name = $3, customer_phone = $4, customer_email = $5, title = $6,
      description = $7, service_type = $8, address = $9, latitude = $10::float8, longitude = $11::float8,
      estimated_cost = $12::numeric, notes = $13, status = $14, hold_token = null, expires_at = null,
      created_by = $18, updated_at = $15::timestamptz
    where tenant_id = $1 and hold_token = $2 and status = 'held' and expires_at > $15::timestamptz
    returning *
  ), queued as (
    insert into outbox (tenant_id, topic, aggregate_id, payload)
    select tenant_id, $16::text, id::text, $17::jsonb from confirmed
  ), audited as (
    insert into audit_log (tenant_id, actor, action, entity_type, entity_id, changes)
    select tenant_id, $18, 'appointment.created', 'appointment', id::text,
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
}

export async function confirmHold(ctx: AppContext, caller: Caller, input: ConfirmHoldInput): Promise<Appointment> {
  const token = requireText("hold_token", input.holdToken, 100);
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
  const message = appointmentCreated(hold.id, details.notifyCustomer, hold.technician_id ?? undefined);
  const [row] = await ctx.sql.rows<AppointmentRow>(CONFIRM_HOLD, [
    input.tenantId,
    token,
    details.customerName,
    details.customerPhone,
    details.customerEmail,
    details.title,
    details.description,
    details.serviceType,
    details.address,
    details.latitude,
    details.longitude,
    details.estimatedCost,
    details.notes,
    details.status,
    now.toISOString(),
    message.topic,
    JSON.stringify(message.payload),
    actorOf(caller),
  ]);
  if (!row) throw new FailedPreconditionError("hold_token: the hold has expired or was released");
  return appointmentFromRow(row);
}
