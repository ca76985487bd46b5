import { setTimeout as sleep } from "node:timers/promises";
import type { MikroORM } from "../../db/orm.js";
import { FailedPreconditionError, InvalidArgumentError, NotFoundError } from "../../domain/errors.js";
import { CalendarIntegrationSchema } from "../../entities/calendar-integration.js";
import { SyncJobSchema } from "../../entities/sync-job.js";
import { isFinished, syncJobView, type SyncJobView, type SyncType } from "./sync-job-view.js";
import type { SyncQueue } from "../../jobs/queue.js";

const CALENDAR_PROVIDERS = ["google", "microsoft", "apple"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** How often WatchSync looks at the job row. */
const WATCH_INTERVAL_MS = 200;

export interface SyncJobDependencies {
  orm: MikroORM;
  syncQueue: SyncQueue;
}

/** Enqueues a sync of one provider's integrations, or all of the tenant's; the tenant must have one. */
export async function triggerSync(
  deps: SyncJobDependencies,
  request: { tenantId: string; provider?: string; type: SyncType },
): Promise<SyncJobView> {
  if (request.provider !== undefined && !CALENDAR_PROVIDERS.includes(request.provider)) {
    throw new InvalidArgumentError("provider", `${request.provider} has no calendar sync`);
  }
  const connected = await deps.orm.em.fork().count(CalendarIntegrationSchema, {
    tenantId: request.tenantId,
    provider: request.provider ?? { $in: CALENDAR_PROVIDERS },
  });
  if (connected === 0) {
    throw new FailedPreconditionError(`tenant has no connected ${request.provider ?? "calendar"} integration to sync`);
  }
  return deps.syncQueue.enqueue(request);
}

export const ABANDONED_JOB_ERROR = "the worker stopped before the job finished";

/**
 * The job as callers see it. A job still queued or running in our table but no
 * longer live in pg-boss lost its worker: it is recorded as failed, once.
 */
export async function getSyncJob(deps: SyncJobDependencies, id: string): Promise<SyncJobView> {
  if (!UUID.test(id)) throw new InvalidArgumentError("sync_id", "must be a UUID");
  const em = deps.orm.em.fork();
  const job = await em.findOne(SyncJobSchema, { id });
  if (!job) throw new NotFoundError(`sync job ${id} not found`);
  if (!isFinished(job.status as SyncJobView["status"]) && (await deps.syncQueue.isAbandoned(id))) {
    await em.nativeUpdate(
      SyncJobSchema,
      { id, status: { $in: ["queued", "running"] } },
      { status: "failed", errors: [...job.errors, ABANDONED_JOB_ERROR], finishedAt: new Date() },
    );
    em.clear();
    return syncJobView(await em.findOneOrFail(SyncJobSchema, { id }));
  }
  return syncJobView(job);
}

/** The job now and after every change, until it has finished or the caller goes away. */
export async function* watchSyncJob(deps: SyncJobDependencies, id: string, signal: AbortSignal): AsyncGenerator<SyncJobView> {
  let last = "";
  while (!signal.aborted) {
    const view = await getSyncJob(deps, id);
    const fingerprint = JSON.stringify(view);
    if (fingerprint !== last) {
      last = fingerprint;
      yield view;
    }
    if (isFinished(view.status)) return;
    await sleep(WATCH_INTERVAL_MS, undefined, { signal }).catch(() => undefined);
  }
}
