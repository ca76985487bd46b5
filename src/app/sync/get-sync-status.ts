import type { Caller } from "../../domain/caller.js";
import { NotFoundError } from "../../domain/errors.js";
import { requireUuid } from "../../domain/validation.js";
import { SyncJobSchema } from "../../entities/sync-job.js";
import type { AppContext } from "../context.js";
import { isFinished, syncJobView, type SyncJobView } from "./sync-job-view.js";
import { SYNC_QUEUE } from "./start-sync-job.js";

export const ABANDONED_JOB_ERROR = "the worker stopped before the job finished";

/**
 * The job as callers see it. A job still queued or running in our table but no
 * longer live in the queue lost its worker: it is recorded as failed, once.
 */
export async function getSyncStatus(ctx: AppContext, _caller: Caller, input: { syncId: string }): Promise<SyncJobView> {
  const id = input.syncId;
  requireUuid("sync_id", id);
  const em = ctx.orm.em.fork();
  const job = await em.findOne(SyncJobSchema, { id });
  if (!job) throw new NotFoundError(`sync job ${id} not found`);
  if (!isFinished(job.status as SyncJobView["status"]) && (await ctx.jobs.isAbandoned(SYNC_QUEUE, id))) {
    await em.nativeUpdate(
      SyncJobSchema,
      { id, status: { $in: ["queued", "running"] } },
      { status: "failed", errors: [...job.errors, ABANDONED_JOB_ERROR], finishedAt: ctx.clock.now() },
    );
    em.clear();
    return syncJobView(await em.findOneOrFail(SyncJobSchema, { id }));
  }
  return syncJobView(job);
}
