import { randomUUID } from "node:crypto";
import { actorOf, type Caller } from "../../domain/caller.js";
import type { NewAppointment } from "../../domain/appointments/new-appointment.js";
import type { TenantDataKey } from "../../crypto/customer-data-cipher.js";
import type { Statement } from "../../db/sql-pool.js";
import { BUSY_ARRAYS, busySources, busyValues } from "../availability/load-busy-periods.js";
import { RULES_VERSION_COLUMNS } from "../availability/load-scheduling-rules.js";
import { aggregateIdOf, appointmentCreated, customerNotification } from "../outbox/outbox-message.js";
import { sealCustomerData } from "./appointment-record.js";

/**
 * The booking in ONE statement (it runs right after the tenant's schedule
 * lock, so its snapshot sees every hard block committed before the lock):
 * reads what stands in the slot (busySources, hard blocks only) and inserts
 * the appointment with its outbox row and audit row only when nothing does
 * ($23 lets mirrored calendar rows through: the busy judgement, which needs
 * the rules, decides on those). The insert uses `on conflict do nothing`, so
 * the exclusion constraint, not the read, decides a race between bookings:
 * the loser waits for the winner's commit and gets no row back, and then
 * neither does the outbox nor the audit log. One row comes back: what stood
 * in the way (BUSY_ARRAYS), the rules' version and the booked row, if any.
 * The outbox rows' messages come from the same typed builders enqueueOutbox
 * takes (so the id is chosen here): the calendar write and, when asked, the
 * customer's confirmation ($27); the audit row has recordAudit's shape.
 * The customer's data arrives sealed (and its blind indexes computed) by
 * the caller: no plaintext personal data is ever a statement parameter.
 */
/** A calendar that receives our events: then the new appointment waits for its delivery. */
const RECEIVING_CALENDAR_EXISTS = `
  select 1 from integration_calendars c
  join calendar_integrations i on i.id = c.integration_id
  where c.tenant_id = $1 and c.receives_events and i.status = 'active' and i.sync_enabled
    and i.sync_direction <> 'from_provider'`;

export const BOOK_UNLESS_BUSY: Statement = {
  name: "book-appointment-unless-busy",
  text: `
  with ${busySources(false)},
  booked as (
    insert into appointments (id, tenant_id, customer_name_enc, customer_phone_enc, customer_email_enc, title,
      description_enc, job_type, start_time, end_time, status, address_enc, latitude, longitude, estimated_cost,
      notes_enc, idempotency_key, created_by, sync_status, customer_phone_index, customer_email_index,
      pii_key_version, customer_id, lead_id, conversation_id, urgency, estimated_duration_minutes, timezone)
    select $6::uuid, $1, $7::bytea, $8::bytea, $9::bytea, $10::text, $11::bytea, $12::text, $3, $2, $13::text,
      $14::bytea, $15::float8, $16::float8, $17::numeric, $18::bytea, $19::text, $20::text,
      case when exists (${RECEIVING_CALENDAR_EXISTS}) then 'pending' else 'not_required' end,
      $28::bytea, $29::bytea, $30::integer, $31::text, $32::text, $33::text, $34::text, $35::integer, $36::text
    where not exists (select 1 from own) and ($23::boolean or not exists (select 1 from mirrored))
    on conflict do nothing
    returning *
  ), queued as (
    insert into outbox (tenant_id, topic, aggregate_id, payload)
    select tenant_id, $21::text, id::text, $22::jsonb
    from booked
    union all
    select tenant_id, $24::text, $25::text, $26::jsonb
    from booked
    where $27::boolean
  ), audited as (
    insert into audit_log (tenant_id, actor, action, entity_type, entity_id, changes)
    select tenant_id, created_by, 'appointment.created', 'appointment', id::text,
      jsonb_build_object('startTime', start_time, 'endTime', end_time, 'status', status)
    from booked
  )
  select o.*, m.*, ${RULES_VERSION_COLUMNS}, b.*
  from ${BUSY_ARRAYS}
  left join booked b on true`,
};

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
): (letMirroredThrough: boolean) => unknown[] {
  const id = randomUUID();
  const sealed = sealCustomerData(dataKey, id, input);
  const message = appointmentCreated(id, input.notifyCustomer);
  const notification = customerNotification(id, "confirmation");
  const values = [
    ...busyValues(tenantId, { start: input.start, end: input.end }),
    id,
    sealed.customerNameEnc,
    sealed.customerPhoneEnc,
    sealed.customerEmailEnc,
    input.title,
    sealed.descriptionEnc,
    input.jobType,
    input.status,
    sealed.addressEnc,
    input.latitude,
    input.longitude,
    input.estimatedCost,
    sealed.notesEnc,
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
  return (letMirroredThrough) => [...values, letMirroredThrough, ...confirmation, ...recordFields];
}
