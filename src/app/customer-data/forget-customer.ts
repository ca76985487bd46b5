import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { normalisePhone, optionalEmail, optionalText, requireText } from "../../domain/validation.js";
import { customerLookupIndexes, CUSTOMER_DATA_FIELDS } from "../appointments/appointment-record.js";
import type { AppContext } from "../context.js";
import { enqueueOutbox } from "../outbox/enqueue-outbox.js";
import { appointmentUpdated } from "../outbox/outbox-message.js";
import { recordAudit } from "../shared/audit.js";

export interface ForgetCustomerInput {
  tenantId: string;
  customerId: string;
  customerPhone: string;
  customerEmail: string;
}

const inList = (values: unknown[]) => values.map(() => "?").join(", ");

/**
 * Erases one customer's personal data from the tenant's appointments (found
 * by customer id or the phone/email blind indexes) and from the stored
 * idempotent replies about them. Time slots, statuses and every other field
 * stay, so the schedule and its conflicts are unchanged; the audit trail
 * records the erasure and its counts, not the data. Calendar copies are
 * told through the outbox (appointment.updated with the erased fields).
 */
export async function forgetCustomer(
  ctx: AppContext,
  caller: Caller,
  input: ForgetCustomerInput,
): Promise<{ appointmentsErased: number; idempotencyRecordsErased: number }> {
  const tenantId = requireText("tenant_id", input.tenantId, 255);
  const customerId = optionalText("customer_id", input.customerId, 255);
  const phone = input.customerPhone.trim() ? normalisePhone("customer_phone", input.customerPhone) : null;
  const email = optionalEmail("customer_email", input.customerEmail);
  if (!customerId && !phone && !email) {
    throw new InvalidArgumentError("customer_id", "give customer_id, customer_phone or customer_email");
  }
  const indexes = await customerLookupIndexes(ctx.customerKeys, tenantId, {
    ...(phone ? { phone } : {}),
    ...(email ? { email } : {}),
  });
  const matches: string[] = [];
  const params: unknown[] = [];
  if (customerId) {
    matches.push("customer_id = ?");
    params.push(customerId);
  }
  if (indexes.phone.length > 0) {
    matches.push(`customer_phone_index in (${inList(indexes.phone)})`);
    params.push(...indexes.phone);
  }
  if (indexes.email.length > 0) {
    matches.push(`customer_email_index in (${inList(indexes.email)})`);
    params.push(...indexes.email);
  }
  return ctx.orm.em.fork().transactional(async (em) => {
    const now = ctx.clock.now();
    const erased =
      matches.length === 0
        ? []
        : await em.execute<{ id: string }[]>(
            `update appointments set customer_data_enc = null, customer_phone_index = null,
               customer_email_index = null, customer_id = null, lead_id = null, conversation_id = null,
               latitude = null, longitude = null, customer_data_erased_at = ?,
               version = version + 1, updated_at = ?
             where tenant_id = ? and customer_data_erased_at is null and (${matches.join(" or ")})
             returning id`,
            [now, now, tenantId, ...params],
          );
    const ids = erased.map((r) => r.id);
    const replies =
      ids.length === 0
        ? []
        : await em.execute<{ key: string }[]>(
            `update idempotency_records set response_sealed = null, response_key_version = null, response = null,
               request_sealed = null, request_key_version = null
             where tenant_id = ? and resource_id in (${inList(ids)}) returning key`,
            [tenantId, ...ids],
          );
    for (const id of ids) {
      enqueueOutbox(em, tenantId, appointmentUpdated(id, [...CUSTOMER_DATA_FIELDS], false));
    }
    recordAudit(em, {
      tenantId,
      caller,
      action: "customer.forgotten",
      entityType: "customer",
      entityId: customerId ?? "",
      changes: {
        matchedBy: [customerId && "customer_id", phone && "customer_phone", email && "customer_email"].filter(Boolean),
        appointments: ids,
        idempotencyRecords: replies.length,
      },
    });
    return { appointmentsErased: ids.length, idempotencyRecordsErased: replies.length };
  });
}
