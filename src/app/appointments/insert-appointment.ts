import { randomUUID } from "node:crypto";
import { actorOf, type Caller } from "../../domain/caller.js";
import type { NewAppointment } from "../../domain/appointments/new-appointment.js";
import type { TenantDataKey } from "../../crypto/customer-data-cipher.js";
import type { Statement } from "../../db/sql-pool.js";
import { BUSY_ARRAYS, busySources, busyValues } from "../availability/load-busy-periods.js";
import { RULES_VERSION_COLUMNS } from "../availability/load-scheduling-rules.js";
import { OWES_EVENTS } from "../outbox/calendar-targets.js";
import { aggregateIdOf, appointmentCreated, customerNotification } from "../outbox/outbox-message.js";
import { sealCustomerData } from "./appointment-record.js";

/**
 * A calendar that receives our events, or would but for an error of its
 * connection: then the new appointment waits for its delivery (which fails
 * with that error rather than leaving the booking "not required").
 */
export const RECEIVING_CALENDAR_EXISTS = `
  select 1 from integration_calendars c
  join calendar_integrations i on i.id = c.integration_id
  where c.tenant_id = $1 and c.receives_events and ${OWES_EVENTS}`;

/**
 * The technician (the SQL expression `technician`, a uuid) has their own
 * calendar we write to, or would but for an error (see calendarTargets and
 * RECEIVING_CALENDAR_EXISTS): then their appointment waits
 * for its delivery too. Primary-key lookups only; none when `technician` is null.
 */
export function technicianCalendarOwed(technician: string): string {
  return `
  select 1 from technicians t
  join integration_calendars c on c.id = t.calendar_id
  join calendar_integrations i on i.id = c.integration_id
  where t.id = ${technician} and t.tenant_id = $1 and t.deleted_at is null and ${OWES_EVENTS}`;
}

/**
 * The booking in ONE statement (it runs right after the tenant's schedule
 * lock, so its snapshot sees every hard block committed before the lock):
 * reads what stands in the slot (busySources, hard blocks only) and inserts
 * the appointment with its outbox row and audit row only when nothing does
 * ($18 lets mirrored calendar rows through: the busy judgement, which needs
 * the rules, decides on those). The insert uses `on conflict do nothing`, so
 * the exclusion constraint, not the read, decides a race between bookings:
 * the loser waits for the winner's commit and gets no row back, and then
 * neither does the outbox nor the audit log. One row comes back: what stood
 * in the way (BUSY_ARRAYS), the rules' version and the booked row, if any.
 * The outbox rows' messages come from the same typed builders enqueueOutbox
 * takes (so the id is chosen here): the calendar write, only when a calendar
 * receives events in the same snapshot (sync_status 'pending'; with none,
 * delivering it would write nowhere; a calendar connected later is owed
 * it, see queueOwedEvents), and
 * when asked, the customer's confirmation ($22); the audit row has
 * recordAudit's shape.
 * The customer's data arrives sealed, one record ($7), with its blind
 * indexes computed ($23, $24), by the caller: no plaintext personal data is
 * ever a statement parameter.
 *
 * Placement ($32..$37, see BookingPlacement): the technician booked (null:
 * business-wide; the read then sees only that technician's and
 * business-wide appointments, the exclusion constraint's lanes), the clock
 * and the caller's own hold token (expired and own holds are not busy), the
 * technician choice's job type (normalized; it replaces the request's
 * job type), and for a hold its token and expiry (a hold queues no outbox
 * message, waits for no calendar and is audited as held). The row waits
 * for its delivery (sync_status 'pending') when a calendar receives events
 * or the technician's own calendar is written to (or would be but for a
 * connection error: RECEIVING_CALENDAR_EXISTS).
 */
export const BOOK_UNLESS_BUSY: Statement = {
  name: "book-appointment-unless-busy",
  text: `
  with ${busySources(false, { technician: "$32", now: "$33", holdToken: "$34" })},
  booked as (
    insert into appointments (id, tenant_id, customer_data_enc, title, job_type, start_time, end_time, status, latitude,
      longitude, estimated_cost, idempotency_key, created_by, sync_status, customer_phone_index, customer_email_index,
      pii_key_version, customer_id, lead_id, conversation_id, urgency, estimated_duration_minutes, timezone,
      technician_id, hold_token, expires_at)
    select $6::uuid, $1, $7::bytea, $8::text, coalesce($35::text, $9::text), $3, $2, $10::text, $11::float8,
      $12::float8, $13::numeric, $14::text, $15::text,
      case when $36::text is null and (exists (${RECEIVING_CALENDAR_EXISTS})
                                       or exists (${technicianCalendarOwed("$32::uuid")}))
        then 'pending' else 'not_required' end,
      $23::bytea, $24::bytea, $25::integer, $26::text, $27::text, $28::text, $29::text, $30::integer, $31::text,
      $32::uuid, $36::text, $37::timestamptz
    where not exists (select 1 from own) and ($18::boolean or not exists (select 1 from mirrored))
    on conflict do nothing
    returning *
  ), queued as (
    insert into outbox (tenant_id, topic, aggregate_id, payload)
    select tenant_id, $16::text, id::text, $17::jsonb
    from booked where sync_status = 'pending'
    union all
    select tenant_id, $19::text, $20::text, $21::jsonb
    from booked
    where $22::boolean and status <> 'held'
  ), audited as (
    insert into audit_log (tenant_id, actor, action, entity_type, entity_id, changes)
    select tenant_id, created_by, case when status = 'held' then 'appointment.held' else 'appointment.created' end,
      'appointment', id::text, jsonb_build_object('startTime', start_time, 'endTime', end_time, 'status', status,
      'technicianId', technician_id)
    from booked
  )
  select o.*, m.*, ${RULES_VERSION_COLUMNS}, b.*
  from ${BUSY_ARRAYS}
  left join booked b on true`,
};

/**
 * Deletes, before a booking inserts (same transaction, after the schedule
 * lock), the holds overlapping its range that stand in the exclusion
 * constraint but no longer count: expired by the service's clock ($4), or
 * the caller's own ($5, used up by its booking). The constraint cannot skip
 * expired rows itself (its WHERE cannot read the clock), so this is what
 * makes expiry free a slot even when no reaper has run. Rows are locked in id
 * order, so two bookings clearing the same holds never deadlock.
 */
export const CLEAR_STALE_HOLDS: Statement = {
  name: "clear-stale-holds",
  text: `
  delete from appointments where id in (
    select id from appointments
    where tenant_id = $1 and status = 'held' and start_time < $2 and end_time > $3
      and (expires_at <= $4::timestamptz or hold_token = $5::text)
    order by id for update)`,
};

/** CLEAR_STALE_HOLDS' values. */
export function staleHoldValues(tenantId: string, window: { start: Date; end: Date }, now: Date, holdToken?: string) {
  return [tenantId, window.end.toISOString(), window.start.toISOString(), now.toISOString(), holdToken ?? null];
}

/** Where a booking goes: its technician lane, the clock, the caller's hold, and whether it is itself a hold. */
export interface BookingPlacement {
  /** The service's clock. */
  now: Date;
  technicianId?: string;
  jobType?: string;
  /** The caller's own hold, not busy for this booking. */
  holdToken?: string;
  /** Insert a hold (status 'held') instead of an appointment. */
  hold?: { token: string; expiresAt: Date };
}

/**
 * BOOK_UNLESS_BUSY's values, the customer's data sealed under dataKey (the
 * tenant's current key); letMirroredThrough once the judgement found none of
 * them busy.
 */
export function bookingValues(
  tenantId: string,
  caller: Caller,
  input: NewAppointment,
  idempotencyKey: string | undefined,
  dataKey: TenantDataKey,
  placement: BookingPlacement = { now: new Date() },
): (letMirroredThrough: boolean) => unknown[] {
  const id = randomUUID();
  const sealed = sealCustomerData(dataKey, id, input);
  const message = appointmentCreated(id, input.notifyCustomer, placement.technicianId);
  const notification = customerNotification(id, "confirmation");
  const values = [
    ...busyValues(tenantId, { start: input.start, end: input.end }),
    id,
    sealed.customerDataEnc,
    input.title,
    input.jobType,
    placement.hold ? "held" : input.status,
    input.latitude,
    input.longitude,
    input.estimatedCost,
    idempotencyKey ?? null,
    actorOf(caller),
    message.topic,
    JSON.stringify(message.payload),
  ];
  const confirmation = [
    notification.topic,
    aggregateIdOf(notification),
    JSON.stringify(notification.payload),
    input.notifyCustomer,
  ];
  const recordFields = [
    sealed.customerPhoneIndex,
    sealed.customerEmailIndex,
    sealed.piiKeyVersion,
    input.customerId,
    input.leadId,
    input.conversationId,
    input.urgency,
    input.estimatedDurationMinutes,
    input.timezone,
  ];
  const placed = [
    placement.technicianId ?? null,
    placement.now.toISOString(),
    placement.holdToken ?? null,
    placement.jobType ?? null,
    placement.hold?.token ?? null,
    placement.hold?.expiresAt.toISOString() ?? null,
  ];
  return (letMirroredThrough) => [...values, letMirroredThrough, ...confirmation, ...recordFields, ...placed];
}
