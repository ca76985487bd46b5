import type { Caller } from "../../domain/caller.js";
import { NotFoundError } from "../../domain/errors.js";
import { requireText } from "../../domain/validation.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../shared/audit.js";

/**
 * Adds a new version of the tenant's data key (new writes use it at once on
 * this instance, within the key ring's version TTL elsewhere) and starts the
 * resumable re-encryption of older data (reencryptCustomerData).
 */
export async function rotateTenantDataKey(
  ctx: AppContext,
  caller: Caller,
  input: { tenantId: string },
): Promise<{ keyVersion: number }> {
  const tenantId = requireText("tenant_id", input.tenantId, 255);
  // A tenant that never stored customer data has no key to rotate: answer so, and create nothing.
  if ((await ctx.customerKeys.all(tenantId)).length === 0) {
    throw new NotFoundError(`tenant ${tenantId} has no customer data key to rotate`);
  }
  const keyVersion = await ctx.customerKeys.rotate(tenantId);
  await ctx.orm.em.fork().transactional(async (em) => {
    await em.execute(
      `insert into customer_data_rotations (tenant_id, to_version) values (?, ?) on conflict do nothing`,
      [tenantId, keyVersion],
    );
    recordAudit(em, {
      tenantId,
      caller,
      action: "customer_data.key_rotated",
      entityType: "tenant_data_key",
      entityId: String(keyVersion),
    });
  });
  await ctx.jobs.send("customer-data-reencrypt", { tenantId, toVersion: keyVersion });
  return { keyVersion };
}
