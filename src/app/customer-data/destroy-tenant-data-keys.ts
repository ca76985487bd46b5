import type { Caller } from "../../domain/caller.js";
import { requireText } from "../../domain/validation.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../shared/audit.js";

/**
 * Crypto-shredding for offboarding: every version of the tenant's data key
 * is deleted, so its sealed customer data (in every row, replica and backup)
 * can never be read again. Rows are marked (pii_key_version = null) in the
 * same commit, so even an instance still holding a cached key reads them as
 * unreadable; stored idempotent replies are emptied the same way.
 */
export async function destroyTenantDataKeys(
  ctx: AppContext,
  caller: Caller,
  input: { tenantId: string },
): Promise<{ keyVersionsDestroyed: number; appointmentsMadeUnreadable: number }> {
  const tenantId = requireText("tenant_id", input.tenantId, 255);
  const result = await ctx.orm.em.fork().transactional(async (em) => {
    const appointments = await em.execute<{ id: string }[]>(
      `update appointments set pii_key_version = null where tenant_id = ? and pii_key_version is not null returning id`,
      [tenantId],
    );
    await em.execute(
      `update idempotency_records set response_sealed = null, response_key_version = null, request_sealed = null,
         request_key_version = null
       where tenant_id = ?`,
      [tenantId],
    );
    await em.execute(
      `update customer_data_rotations set state = 'done', finished_at = now() where tenant_id = ? and state = 'running'`,
      [tenantId],
    );
    const keys = await em.execute<{ version: number }[]>(
      `delete from tenant_data_keys where tenant_id = ? returning version`,
      [tenantId],
    );
    recordAudit(em, {
      tenantId,
      caller,
      action: "customer_data.keys_destroyed",
      entityType: "tenant_data_key",
      entityId: "",
      changes: { keyVersions: keys.map((k) => k.version), appointments: appointments.length },
    });
    return { keyVersionsDestroyed: keys.length, appointmentsMadeUnreadable: appointments.length };
  });
  ctx.customerKeys.forget(tenantId);
  return result;
}
