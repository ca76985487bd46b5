import type { AppContext } from "../context.js";
import { dueAggregates } from "./outbox-claims.js";

const SWEEP_BATCH = 1_000;

/**
 * The backstop of delivery: queues a job for every aggregate whose head is
 * due and unclaimed. Deliveries are normally queued when a change commits
 * and when a retry is scheduled; this finds what a crash or a lost queue
 * send left behind (a killed worker's lease runs out, then it is due again).
 */
export async function sweepOutbox(ctx: AppContext): Promise<number> {
  const due = await dueAggregates(ctx.orm.em.fork(), SWEEP_BATCH);
  for (const aggregate of due) await ctx.jobs.send("outbox-delivery", aggregate);
  return due.length;
}
