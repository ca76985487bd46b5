import type { Buffer } from "node:buffer";
import type { EntityManager } from "@mikro-orm/postgresql";
import { FieldDecryptionError } from "../../crypto/customer-data-cipher.js";
import {
  LEGACY_CUSTOMER_COLUMNS,
  openLegacyCustomerData,
  sealCustomerData,
  type LegacyCustomerColumns,
} from "../appointments/appointment-record.js";
import type { SealedCustomerData } from "../appointments/appointment-row.js";
import type { AppContext } from "../context.js";
import { storedReplyBinding, storedRequestBinding } from "../shared/idempotency.js";

const BATCH = 500;

type LegacyRow = LegacyCustomerColumns & {
  tenant_id: string;
  pii_key_version: number | null;
  customer_phone_index: Buffer | null;
  customer_email_index: Buffer | null;
  customer_data_erased_at: Date | null;
};

interface LegacyReply {
  tenant_id: string;
  scope: string;
  key: string;
  legacy_request_hash: string | null;
  response: unknown;
}

/**
 * Seals what the customer-data migrations left in older forms, under each
 * tenant's current key, and empties the old columns, in batches of one
 * transaction each: appointments' legacy_* columns (plaintext, per-field
 * ciphertexts, cancellation notes) become the one sealed record;
 * idempotency records' plaintext replies (`response`) and plain request
 * digests (legacy_request_hash) are sealed. Runs at startup before the
 * service serves, because sealing needs the master key, which migrations
 * never see; instances starting together split the rows (skip locked), and
 * an interrupted run resumes with what is left. Returns the rows converted.
 */
export async function encryptLegacyCustomerData(ctx: AppContext): Promise<number> {
  let converted = 0;
  for (;;) {
    const done = await ctx.orm.em.fork().transactional(async (em) => {
      const rows = await em.execute<LegacyRow[]>(
        `select id, tenant_id, pii_key_version, customer_phone_index, customer_email_index, customer_data_erased_at,
           ${LEGACY_CUSTOMER_COLUMNS.join(", ")}
         from appointments
         where num_nonnulls(${LEGACY_CUSTOMER_COLUMNS.join(", ")}) > 0
         limit ? for update skip locked`,
        [BATCH],
      );
      for (const row of rows) {
        const sealed = await repacked(ctx, em, row);
        await em.execute(
          `update appointments set customer_data_enc = ?, customer_phone_index = ?, customer_email_index = ?,
             pii_key_version = ?, ${LEGACY_CUSTOMER_COLUMNS.map((column) => `${column} = null`).join(", ")}
           where id = ?`,
          [sealed.customerDataEnc, sealed.customerPhoneIndex, sealed.customerEmailIndex, sealed.piiKeyVersion, row.id],
        );
      }
      const replies = await em.execute<LegacyReply[]>(
        `select tenant_id, scope, key, legacy_request_hash, response from idempotency_records
         where response is not null or legacy_request_hash is not null
         limit ? for update skip locked`,
        [BATCH],
      );
      for (const reply of replies) {
        const key = await ctx.customerKeys.current(reply.tenant_id, em);
        // ForgetCustomer marked an erased request 'erased': nothing to seal.
        const request =
          reply.legacy_request_hash && reply.legacy_request_hash !== "erased"
            ? key.seal(reply.legacy_request_hash, storedRequestBinding(reply.scope, reply.key))
            : null;
        const json =
          reply.response === null
            ? null
            : typeof reply.response === "string"
              ? reply.response
              : JSON.stringify(reply.response);
        const appointmentId =
          json === null ? undefined : (JSON.parse(json) as { appointment?: { id?: unknown } }).appointment?.id;
        await em.execute(
          `update idempotency_records set request_sealed = coalesce(?, request_sealed),
             request_key_version = coalesce(?, request_key_version), legacy_request_hash = null,
             response_sealed = coalesce(?, response_sealed), response_key_version = coalesce(?, response_key_version),
             response = null, resource_id = coalesce(?, resource_id)
           where tenant_id = ? and scope = ? and key = ?`,
          [
            request,
            request ? key.version : null,
            json === null ? null : key.seal(json, storedReplyBinding(reply.scope, reply.key)),
            json === null ? null : key.version,
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

/**
 * The row's sealed columns from its legacy ones. An erased row keeps nothing;
 * one whose per-field ciphertexts cannot be opened (its key destroyed, or
 * altered) was unreadable and stays so (no key version).
 */
async function repacked(ctx: AppContext, em: EntityManager, row: LegacyRow): Promise<SealedCustomerData> {
  if (row.customer_data_erased_at) {
    return {
      customerDataEnc: null,
      customerPhoneIndex: null,
      customerEmailIndex: null,
      piiKeyVersion: row.pii_key_version,
    };
  }
  const legacyKey =
    row.pii_key_version === null ? undefined : await ctx.customerKeys.version(row.tenant_id, row.pii_key_version, em);
  try {
    const data = openLegacyCustomerData(legacyKey, row);
    return sealCustomerData(await ctx.customerKeys.current(row.tenant_id, em), row.id, data);
  } catch (error) {
    if (!(error instanceof FieldDecryptionError)) throw error;
    return {
      customerDataEnc: null,
      customerPhoneIndex: row.customer_phone_index,
      customerEmailIndex: row.customer_email_index,
      piiKeyVersion: null,
    };
  }
}
