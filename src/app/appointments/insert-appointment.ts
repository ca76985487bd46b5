import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import { actorOf, type Caller } from "../../domain/caller.js";
import type { NewAppointment } from "../../domain/appointments/new-appointment.js";
import { AppointmentSchema } from "../../entities/appointment.js";
import type { TenantKeyRing } from "../customer-data/tenant-key-ring.js";
import { appointmentCreated } from "../outbox/outbox-message.js";
import {
  sealCustomerData,
  withoutSealedColumns,
  type AppointmentRecord,
  type CustomerData,
} from "./appointment-record.js";

/**
 * Inserts the appointment with its outbox row and audit row in ONE statement
 * (atomic on its own, one round trip: booking is the hot path). The insert
 * uses `on conflict do nothing`, so the exclusion constraint, not a prior
 * read, decides a race: the loser waits for the winner's commit and gets no
 * row back, and then neither does the outbox nor the audit log.
 * The outbox row's message comes from the same typed builder enqueueOutbox
 * takes (so the id is chosen here); the audit row has recordAudit's shape.
 */
const INSERT_WITH_SIDE_EFFECTS = `
  with booked as (
    insert into appointments (id, tenant_id, customer_name_enc, customer_phone_enc, customer_email_enc, address_enc,
      description_enc, notes_enc, customer_phone_index, customer_email_index, pii_key_version, title, job_type,
      start_time, end_time, status, latitude, longitude, estimated_cost, idempotency_key, created_by,
      customer_id, lead_id, conversation_id, urgency, estimated_duration_minutes, timezone)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    on conflict do nothing
    returning *
  ), queued as (
    insert into outbox (tenant_id, topic, aggregate_id, payload)
    select tenant_id, ?, id::text, ?::jsonb
    from booked
  ), audited as (
    insert into audit_log (tenant_id, actor, action, entity_type, entity_id, changes)
    select tenant_id, created_by, 'appointment.created', 'appointment', id::text,
      jsonb_build_object('startTime', start_time, 'endTime', end_time, 'status', status)
    from booked
  )
  select * from booked`;

/** The customer data is sealed under the tenant's current key before it leaves the process. */
export async function insertAppointmentUnlessOverlapping(
  em: EntityManager,
  keys: TenantKeyRing,
  tenantId: string,
  caller: Caller,
  input: NewAppointment,
  idempotencyKey: string | undefined,
): Promise<AppointmentRecord | undefined> {
  const id = randomUUID();
  const message = appointmentCreated(id, input.notifyCustomer);
  const sealed = sealCustomerData(await keys.current(tenantId, em), id, input);
  const rows = await em.execute<Record<string, unknown>[]>(INSERT_WITH_SIDE_EFFECTS, [
    id,
    tenantId,
    sealed.customerNameEnc,
    sealed.customerPhoneEnc,
    sealed.customerEmailEnc,
    sealed.addressEnc,
    sealed.descriptionEnc,
    sealed.notesEnc,
    sealed.customerPhoneIndex,
    sealed.customerEmailIndex,
    sealed.piiKeyVersion,
    input.title,
    input.jobType,
    input.start,
    input.end,
    input.status,
    input.latitude,
    input.longitude,
    input.estimatedCost,
    idempotencyKey ?? null,
    actorOf(caller),
    input.customerId,
    input.leadId,
    input.conversationId,
    input.urgency,
    input.estimatedDurationMinutes,
    input.timezone,
    message.topic,
    JSON.stringify(message.payload),
  ]);
  const [row] = rows;
  if (!row) return undefined;
  const customerData: CustomerData = {
    customerName: input.customerName,
    customerPhone: input.customerPhone,
    customerEmail: input.customerEmail,
    address: input.address,
    description: input.description,
    notes: input.notes,
  };
  return { ...withoutSealedColumns(em.map(AppointmentSchema, row)), ...customerData, customerDataStatus: "available" };
}
