import type { Caller } from "../../domain/caller.js";
import { NotFoundError } from "../../domain/errors.js";
import { requireUuid } from "../../domain/validation.js";
import { AvailabilityBlockSchema } from "../../entities/availability-block.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../shared/audit.js";

/**
 * Soft-deletes a block. tenantFilter limits the lookup to a JWT caller's
 * tenant: another tenant's block is reported as missing. A repeat answers false.
 */
export async function deleteBlock(
  ctx: AppContext,
  caller: Caller,
  command: { id: string; tenantFilter: string | undefined },
): Promise<boolean> {
  const id = requireUuid("id", command.id);
  return ctx.orm.em.fork().transactional(async (em) => {
    const where = command.tenantFilter === undefined ? { id } : { id, tenantId: command.tenantFilter };
    const block = await em.findOne(AvailabilityBlockSchema, where);
    if (!block) throw new NotFoundError(`block ${id} not found`);
    if (block.deletedAt) return false;
    block.deletedAt = ctx.clock.now();
    recordAudit(em, {
      tenantId: block.tenantId,
      caller,
      action: "block.deleted",
      entityType: "availability_block",
      entityId: block.id,
    });
    return true;
  });
}
