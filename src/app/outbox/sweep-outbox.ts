import type { AppContext } from "../context.js";
import { dueAggregates } from "./outbox-claims.js";

const SWEEP_BATCH = 1_000;

/**
 * The backstop of delivery: queues a job for every aggregate whose head is
 * due now or within the minute (at its due time). Deliveries are normally queued when a change commits
 * and when a retry is scheduled; this finds what a crash or a lost queue
 * send left behind (a killed worker's lease runs out, then it is due again).
 */
export async function sweepOutbox(ctx: AppContext): Promise<number> {
  const due = await dueAggregates(ctx.orm.em.fork(), SWEEP_BATCH);
  for (const { tenantId, aggregateId, dueAt } of due) {
    await ctx.jobs.send("outbox-delivery", { tenantId, aggregateId }, { startAfter: dueAt });
  }
  return due.length;
}
