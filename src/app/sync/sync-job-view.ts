import type { SyncJob } from "../../entities/sync-job.js";

export type SyncJobStatus = "queued" | "running" | "succeeded" | "failed";
export type SyncType = "full" | "incremental";

export interface SyncJobView {
  id: string;
  tenantId: string;
  /** undefined: every calendar integration of the tenant. */
  provider?: string;
  type: SyncType;
  status: SyncJobStatus;
  progressPercent: number;
  counts: { processed: number; created: number; updated: number; deleted: number };
  errors: string[];
  createdAt: Date;
  startedAt?: Date;
  finishedAt?: Date;
}

export function syncJobView(job: SyncJob): SyncJobView {
  return {
    id: job.id,
    tenantId: job.tenantId,
    ...(job.provider ? { provider: job.provider } : {}),
    type: job.type as SyncType,
    status: job.status as SyncJobStatus,
    progressPercent: job.progressPercent,
    counts: { processed: job.processed, created: job.created, updated: job.updated, deleted: job.deleted },
    errors: job.errors,
    createdAt: job.createdAt,
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
  };
}

export function isFinished(status: SyncJobStatus): boolean {
  return status === "succeeded" || status === "failed";
}
