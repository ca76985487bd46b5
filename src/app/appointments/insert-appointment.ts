import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { actorOf, type Caller } from "../../domain/caller.js";
import type { NewAppointment } from "../../domain/appointments/new-appointment.js";
import { AppointmentSchema, type Appointment } from "../../entities/appointment.js";
import { aggregateIdOf, appointmentCreated, customerNotification } from "../outbox/outbox-message.js";

/**
 * Inserts the appointment with its outbox row and audit row in ONE statement
 * (atomic on its own, one round trip: booking is the hot path). The insert
 * uses `on conflict do nothing`, so the exclusion constraint, not a prior
 * read, decides a race: the loser waits for the winner's commit and gets no
 * row back, and then neither does the outbox nor the audit log.
 * The outbox rows' messages come from the same typed builders enqueueOutbox
 * takes (so the id is chosen here): the calendar write and, when asked, the
 * customer's confirmation; the audit row has recordAudit's shape.
 */
const RECEIVING_CALENDAR_EXISTS = `
  select 1 from integration_calendars c
  join calendar_integrations i on i.id = c.integration_id
  where c.tenant_id = ? and c.receives_events and i.status = 'active' and i.sync_enabled
    and i.sync_direction <> 'from_provider'`;

const INSERT_WITH_SIDE_EFFECTS = `
  with booked as (
    insert into appointments (id, tenant_id, customer_name, customer_phone, customer_email, title, description,
      service_type, start_time, end_time, status, address, latitude, longitude, estimated_cost, notes,
      idempotency_key, created_by, sync_status)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
      case when exists (${RECEIVING_CALENDAR_EXISTS}) then 'pending' else 'not_required' end)
    on conflict do nothing
    returning *
  ), queued as (
    insert into outbox (tenant_id, topic, aggregate_id, payload)
    select tenant_id, ?, id::text, ?::jsonb
    from booked
    union all
    select tenant_id, ?, ?, ?::jsonb
    from booked
    where ?::boolean
  ), audited as (
    insert into audit_log (tenant_id, actor, action, entity_type, entity_id, changes)
    select tenant_id, created_by, 'appointment.created', 'appointment', id::text,
      jsonb_build_object('startTime', start_time, 'endTime', end_time, 'status', status)
    from booked
  )
  select * from booked`;

export async function insertAppointmentUnlessOverlapping(
  em: EntityManager,
  tenantId: string,
  caller: Caller,
  input: NewAppointment,
  idempotencyKey: string | undefined,
): Promise<Appointment | undefined> {
  const id = randomUUID();
  const message = appointmentCreated(id, input.notifyCustomer);
  const notification = customerNotification(id, "confirmation");
  const rows = await em.execute<Record<string, unknown>[]>(INSERT_WITH_SIDE_EFFECTS, [
    id,
    tenantId,
    input.customerName,
    input.customerPhone,
    input.customerEmail,
    input.title,
    input.description,
    input.serviceType,
    input.start,
    input.end,
    input.status,
    input.address,
    input.latitude,
    input.longitude,
    input.estimatedCost,
    input.notes,
    idempotencyKey ?? null,
    actorOf(caller),
    tenantId,
    message.topic,
    JSON.stringify(message.payload),
    notification.topic,
    aggregateIdOf(notification),
    JSON.stringify(notification.payload),
    input.notifyCustomer,
  ]);
  const [row] = rows;
  return row ? em.map(AppointmentSchema, row) : undefined;
}
