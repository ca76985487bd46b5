import type { Caller } from "../../domain/caller.js";
import type { AppContext } from "../context.js";
import { recordAudit } from "../shared/audit.js";

/** Holds deleted per transaction: short transactions, few row locks at a time. */
const REAP_BATCH_SIZE = 500;

interface ReapedHold {
  id: string;
  tenant_id: string;
  start_time: Date;
  end_time: Date;
  technician_id: string | null;
  expires_at: Date;
}

/**
 * Deletes the holds that expired by the service's clock, every tenant's, in
 * batches, each batch audited with it (times and technician only: a hold
 * carries no customer data). Readers already ignore expired holds and a
 * booking over one deletes it first (CLEAR_STALE_HOLDS); this keeps the rest
 * from piling up in the table and in the exclusion constraint's index. Rows
 * another transaction holds (a booking clearing them, a confirmation racing
 * its expiry) are skipped, not waited for: the next run takes what is left.
 * Answers how many holds were deleted.
 */
export async function reapExpiredHolds(ctx: AppContext, caller: Caller): Promise<number> {
  const now = ctx.clock.now();
  let total = 0;
  for (;;) {
    const reaped = await ctx.orm.em.fork().transactional(async (em) => {
      const rows = await em.execute<ReapedHold[]>(
        `delete from appointments where id in (
           select id from appointments where status = 'held' and expires_at <= ?
           order by expires_at limit ? for update skip locked)
         returning id, tenant_id, start_time, end_time, technician_id::text, expires_at`,
        [now, REAP_BATCH_SIZE],
      );
      for (const hold of rows) {
        recordAudit(em, {
          tenantId: hold.tenant_id,
          caller,
          action: "appointment.hold_expired",
          entityType: "appointment",
          entityId: hold.id,
          changes: {
            startTime: new Date(hold.start_time).toISOString(),
            endTime: new Date(hold.end_time).toISOString(),
            expiresAt: new Date(hold.expires_at).toISOString(),
            technicianId: hold.technician_id,
          },
        });
      }
      return rows.length;
    });
    total += reaped;
    if (reaped < REAP_BATCH_SIZE) return total;
  }
}
