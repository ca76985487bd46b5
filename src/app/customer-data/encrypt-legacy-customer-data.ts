import { sealCustomerData } from "../appointments/appointment-record.js";
import type { AppContext } from "../context.js";
import { storedReplyBinding } from "../shared/idempotency.js";

const BATCH = 500;

interface LegacyRow {
  id: string;
  tenant_id: string;
  legacy_customer_name: string | null;
  legacy_customer_phone: string | null;
  legacy_customer_email: string | null;
  legacy_address: string | null;
  legacy_description: string | null;
  legacy_notes: string | null;
}

/**
 * Encrypts what the customer-data migration left in plaintext (appointments'
 * legacy_* columns, idempotency replies in `response`) under each tenant's
 * key and empties the plaintext, in batches of one transaction each. Runs at
 * startup before the service serves; instances starting together split the
 * rows (skip locked). Returns the rows converted.
 */
export async function encryptLegacyCustomerData(ctx: AppContext): Promise<number> {
  let converted = 0;
  for (;;) {
    const done = await ctx.orm.em.fork().transactional(async (em) => {
      const rows = await em.execute<LegacyRow[]>(
        `select id, tenant_id, legacy_customer_name, legacy_customer_phone, legacy_customer_email, legacy_address,
           legacy_description, legacy_notes
         from appointments
         where coalesce(legacy_customer_name, legacy_customer_phone, legacy_customer_email, legacy_address,
           legacy_description, legacy_notes) is not null
         limit ? for update skip locked`,
        [BATCH],
      );
      for (const row of rows) {
        const sealed = sealCustomerData(await ctx.customerKeys.current(row.tenant_id, em), row.id, {
          customerName: row.legacy_customer_name ?? "",
          customerPhone: row.legacy_customer_phone ?? "",
          customerEmail: row.legacy_customer_email,
          address: row.legacy_address,
          description: row.legacy_description,
          notes: row.legacy_notes,
        });
        await em.execute(
          `update appointments set customer_name_enc = ?, customer_phone_enc = ?, customer_email_enc = ?,
             address_enc = ?, description_enc = ?, notes_enc = ?, customer_phone_index = ?, customer_email_index = ?,
             pii_key_version = ?, legacy_customer_name = null, legacy_customer_phone = null,
             legacy_customer_email = null, legacy_address = null, legacy_description = null, legacy_notes = null
           where id = ?`,
          [
            sealed.customerNameEnc,
            sealed.customerPhoneEnc,
            sealed.customerEmailEnc,
            sealed.addressEnc,
            sealed.descriptionEnc,
            sealed.notesEnc,
            sealed.customerPhoneIndex,
            sealed.customerEmailIndex,
            sealed.piiKeyVersion,
            row.id,
          ],
        );
      }
      const replies = await em.execute<{ tenant_id: string; scope: string; key: string; response: unknown }[]>(
        `select tenant_id, scope, key, response from idempotency_records where response is not null
         limit ? for update skip locked`,
        [BATCH],
      );
      for (const reply of replies) {
        const key = await ctx.customerKeys.current(reply.tenant_id, em);
        const json = typeof reply.response === "string" ? reply.response : JSON.stringify(reply.response);
        const appointmentId = (JSON.parse(json) as { appointment?: { id?: unknown } }).appointment?.id;
        await em.execute(
          `update idempotency_records set response_sealed = ?, response_key_version = ?, response = null,
             resource_id = ?
           where tenant_id = ? and scope = ? and key = ?`,
          [
            key.seal(json, storedReplyBinding(reply.scope, reply.key)),
            key.version,
            typeof appointmentId === "string" ? appointmentId : null,
            reply.tenant_id,
            reply.scope,
            reply.key,
          ],
        );
      }
      converted += rows.length + replies.length;
      return rows.length < BATCH && replies.length < BATCH;
    });
    if (done) return converted;
  }
}
