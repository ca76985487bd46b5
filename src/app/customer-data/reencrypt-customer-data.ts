import type { EntityManager } from "@mikro-orm/postgresql";
import type { Caller } from "../../domain/caller.js";
import { AppointmentSchema } from "../../entities/appointment.js";
import { openAppointment, sealCustomerData } from "../appointments/appointment-record.js";
import type { AppContext } from "../context.js";
import { storedReplyBinding, storedRequestBinding } from "../shared/idempotency.js";
import { recordAudit } from "../shared/audit.js";
import type { FieldBinding, TenantDataKey } from "../../crypto/customer-data-cipher.js";

export interface ReencryptInput {
  tenantId: string;
  toVersion: number;
}

type BatchOutcome = "more" | "done";

/**
 * One batch of re-encrypting a tenant's customer data under key version
 * toVersion after a rotation, in one transaction with its checkpoint (the
 * last appointment id done, in id order). The worker queues the next batch;
 * an interrupted run (a crash between batches, a lost job) resumes from the
 * checkpoint when resumeCustomerDataRotations queues it again. Concurrent
 * jobs of one rotation serialize on its row. When no row is left under an
 * older version the older versions are deleted; the foreign key from
 * appointments to tenant_data_keys refuses that while any row (even one an
 * instance with a stale key cache is writing) still uses them.
 */
export async function reencryptCustomerData(
  ctx: AppContext,
  caller: Caller,
  input: ReencryptInput,
): Promise<BatchOutcome> {
  const target = await ctx.customerKeys.version(input.tenantId, input.toVersion);
  const outcome = await ctx.orm.em.fork().transactional(async (em): Promise<BatchOutcome> => {
    const [rotation] = await em.execute<{ last_appointment_id: string | null; state: string }[]>(
      `select last_appointment_id, state from customer_data_rotations where tenant_id = ? and to_version = ? for update`,
      [input.tenantId, input.toVersion],
    );
    if (!rotation || rotation.state === "done") return "done";
    if (!target) {
      // The key was destroyed meanwhile (crypto-shredding): nothing left to re-encrypt.
      await finish(em, input);
      return "done";
    }
    const batchSize = ctx.settings.reencryptBatchSize;
    const appointments = await reencryptAppointments(ctx, em, target, input, rotation.last_appointment_id, batchSize);
    if (appointments === batchSize) return "more";
    const replies = await reencryptStoredReplies(ctx, em, target, input, batchSize);
    if (replies === batchSize) return "more";
    const [straggler] = await em.execute<{ id: string }[]>(
      `select id from appointments where tenant_id = ? and pii_key_version < ? limit 1`,
      [input.tenantId, input.toVersion],
    );
    if (straggler) {
      // Written under an older version after this run passed its id: walk again.
      await em.execute(
        `update customer_data_rotations set last_appointment_id = null where tenant_id = ? and to_version = ?`,
        [input.tenantId, input.toVersion],
      );
      return "more";
    }
    await em.execute(`delete from tenant_data_keys where tenant_id = ? and version < ?`, [
      input.tenantId,
      input.toVersion,
    ]);
    await finish(em, input);
    recordAudit(em, {
      tenantId: input.tenantId,
      caller,
      action: "customer_data.reencrypted",
      entityType: "tenant_data_key",
      entityId: String(input.toVersion),
    });
    return "done";
  });
  if (outcome === "done") ctx.customerKeys.forget(input.tenantId);
  else await ctx.jobs.send("customer-data-reencrypt", input);
  return outcome;
}

async function finish(em: EntityManager, input: ReencryptInput): Promise<void> {
  await em.execute(
    `update customer_data_rotations set state = 'done', finished_at = now() where tenant_id = ? and to_version = ?`,
    [input.tenantId, input.toVersion],
  );
}

async function reencryptAppointments(
  ctx: AppContext,
  em: EntityManager,
  target: TenantDataKey,
  input: ReencryptInput,
  after: string | null,
  batchSize: number,
): Promise<number> {
  const rows = await em.execute<Record<string, unknown>[]>(
    `select * from appointments where tenant_id = ? and id > ? order by id limit ? for update`,
    [input.tenantId, after ?? "00000000-0000-0000-0000-000000000000", batchSize],
  );
  let reencrypted = 0;
  for (const raw of rows) {
    const row = em.map(AppointmentSchema, raw);
    if (row.piiKeyVersion === null || row.piiKeyVersion === undefined || row.piiKeyVersion >= input.toVersion) continue;
    const record = await openAppointment(ctx.customerKeys, row, em);
    if (record.customerDataStatus !== "available") continue;
    const sealed = sealCustomerData(target, row.id, record);
    await em.execute(
      `update appointments set customer_data_enc = ?, customer_phone_index = ?, customer_email_index = ?,
         pii_key_version = ?
       where id = ?`,
      [sealed.customerDataEnc, sealed.customerPhoneIndex, sealed.customerEmailIndex, sealed.piiKeyVersion, row.id],
    );
    reencrypted += 1;
  }
  if (rows.length > 0) {
    await em.execute(
      `update customer_data_rotations set last_appointment_id = ?, appointments_reencrypted = appointments_reencrypted + ?
       where tenant_id = ? and to_version = ?`,
      [rows[rows.length - 1]!.id, reencrypted, input.tenantId, input.toVersion],
    );
  }
  return rows.length;
}

async function reencryptStoredReplies(
  ctx: AppContext,
  em: EntityManager,
  target: TenantDataKey,
  input: ReencryptInput,
  batchSize: number,
): Promise<number> {
  const rows = await em.execute<
    {
      scope: string;
      key: string;
      request_sealed: Buffer | null;
      request_key_version: number | null;
      response_sealed: Buffer | null;
      response_key_version: number | null;
    }[]
  >(
    `select scope, key, request_sealed, request_key_version, response_sealed, response_key_version
     from idempotency_records
     where tenant_id = ? and (response_key_version < ? or request_key_version < ?) limit ? for update`,
    [input.tenantId, input.toVersion, input.toVersion, batchSize],
  );
  // Each sealed value under the target version; one whose key is already gone stays gone.
  const resealed = async (sealed: Buffer | null, version: number | null, binding: FieldBinding) => {
    if (!sealed || version === null) return null;
    if (version >= input.toVersion) return { sealed, version };
    const old = await ctx.customerKeys.version(input.tenantId, version, em);
    return old ? { sealed: target.seal(old.open(sealed, binding), binding), version: target.version } : null;
  };
  for (const row of rows) {
    const request = await resealed(
      row.request_sealed,
      row.request_key_version,
      storedRequestBinding(row.scope, row.key),
    );
    const response = await resealed(
      row.response_sealed,
      row.response_key_version,
      storedReplyBinding(row.scope, row.key),
    );
    await em.execute(
      `update idempotency_records set request_sealed = ?, request_key_version = ?, response_sealed = ?,
         response_key_version = ?
       where tenant_id = ? and scope = ? and key = ?`,
      [
        request?.sealed ?? null,
        request?.version ?? null,
        response?.sealed ?? null,
        response?.version ?? null,
        input.tenantId,
        row.scope,
        row.key,
      ],
    );
  }
  if (rows.length > 0) {
    await em.execute(
      `update customer_data_rotations set idempotency_records_reencrypted = idempotency_records_reencrypted + ?
       where tenant_id = ? and to_version = ?`,
      [rows.length, input.tenantId, input.toVersion],
    );
  }
  return rows.length;
}

/** Queues a batch for every rotation still running (at startup: an interrupted run carries on). */
export async function resumeCustomerDataRotations(ctx: AppContext): Promise<number> {
  const running = await ctx.orm.em
    .fork()
    .execute<{ tenant_id: string; to_version: number }[]>(
      `select tenant_id, to_version from customer_data_rotations where state = 'running'`,
    );
  for (const r of running) {
    await ctx.jobs.send("customer-data-reencrypt", { tenantId: r.tenant_id, toVersion: r.to_version });
  }
  return running.length;
}
