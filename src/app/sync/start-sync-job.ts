import { randomUUID } from "node:crypto";
import { SyncJobSchema, type SyncJob } from "../../entities/sync-job.js";
import type { AppContext } from "../context.js";
import { syncJobView, type SyncJobView, type SyncType } from "./sync-job-view.js";

export const SYNC_QUEUE = "calendar-sync";

export interface SyncRequest {
  tenantId: string;
  /** undefined: every calendar integration of the tenant. */
  provider?: string;
  integrationId?: string;
  type: SyncType;
}

/**
 * Records the job as queued and hands it to a worker; returns what
 * GetSyncStatus will show. The sync_jobs row is the job's visible state and
 * its id is also the queued job's id: the queue only carries it to a worker.
 */
export async function startSyncJob(ctx: AppContext, request: SyncRequest): Promise<SyncJobView> {
  const job = await recordSyncJob(ctx, request);
  const id = job.id;
  const em = ctx.orm.em.fork();
  try {
    await ctx.jobs.send(SYNC_QUEUE, { syncJobId: id }, { id });
  } catch (error) {
    await em.nativeUpdate(
      SyncJobSchema,
      { id },
      { status: "failed", errors: ["could not be queued"], finishedAt: ctx.clock.now() },
    );
    throw error;
  }
  return syncJobView(job);
}

/** The sync_jobs row of a new job, queued; runSyncJob runs it. */
export async function recordSyncJob(ctx: AppContext, request: SyncRequest): Promise<SyncJob> {
  const em = ctx.orm.em.fork();
  const job = em.create(SyncJobSchema, {
    id: randomUUID(),
    tenantId: request.tenantId,
    provider: request.provider ?? null,
    integrationId: request.integrationId ?? null,
    type: request.type,
    status: "queued",
    errors: [],
    createdAt: ctx.clock.now(),
  });
  await em.flush();
  return job;
}
