import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import {
  GetSyncStatusResponseSchema,
  SyncCountsSchema,
  SyncJobSchema,
  SyncService,
  SyncStatus,
  SyncType,
  TriggerSyncResponseSchema,
  WatchSyncResponseSchema,
  type SyncJob,
} from "../../gen/universalcalendar/v1/sync_pb.js";
import { callerOf } from "../auth/caller-context.js";
import { resolveTenant } from "../auth/tenant-scope.js";
import { InvalidArgumentError } from "../domain/errors.js";
import type { SyncJobView } from "../app/sync/sync-job-view.js";
import { getSyncJob, triggerSync, watchSyncJob } from "../app/sync/trigger-sync.js";
import { providerFromName, providerName } from "./provider-mapping.js";
import type { RpcDependencies } from "./routes.js";

const STATUS: Record<SyncJobView["status"], SyncStatus> = {
  queued: SyncStatus.QUEUED,
  running: SyncStatus.RUNNING,
  succeeded: SyncStatus.SUCCEEDED,
  failed: SyncStatus.FAILED,
};

function syncJobToProto(view: SyncJobView): SyncJob {
  return create(SyncJobSchema, {
    id: view.id,
    tenantId: view.tenantId,
    provider: view.provider ? providerFromName(view.provider) : Provider.UNSPECIFIED,
    type: view.type === "full" ? SyncType.FULL : SyncType.INCREMENTAL,
    status: STATUS[view.status],
    progressPercent: view.progressPercent,
    counts: create(SyncCountsSchema, view.counts),
    errors: view.errors,
    createdAt: timestampFromDate(view.createdAt),
    ...(view.startedAt ? { startedAt: timestampFromDate(view.startedAt) } : {}),
    ...(view.finishedAt ? { finishedAt: timestampFromDate(view.finishedAt) } : {}),
  });
}

function syncTypeOf(type: SyncType): "full" | "incremental" {
  if (type === SyncType.FULL) return "full";
  if (type === SyncType.INCREMENTAL || type === SyncType.UNSPECIFIED) return "incremental";
  throw new InvalidArgumentError("type", `unknown sync type ${type}`);
}

/** Service-key only (auth policy); the job ids are not tenant-scoped secrets. */
export function syncService(deps: RpcDependencies): ServiceImpl<typeof SyncService> {
  const jobs = { orm: deps.orm, syncQueue: deps.calendarSync.syncQueue };
  return {
    async triggerSync(req, ctx) {
      const tenantId = resolveTenant(callerOf(ctx), req.tenantId);
      const view = await triggerSync(jobs, {
        tenantId,
        ...(req.provider === Provider.UNSPECIFIED ? {} : { provider: providerName("provider", req.provider) }),
        type: syncTypeOf(req.type),
      });
      return create(TriggerSyncResponseSchema, { syncId: view.id, job: syncJobToProto(view) });
    },

    async getSyncStatus(req) {
      return create(GetSyncStatusResponseSchema, { job: syncJobToProto(await getSyncJob(jobs, req.syncId)) });
    },

    async *watchSync(req, ctx) {
      for await (const view of watchSyncJob(jobs, req.syncId, ctx.signal)) {
        yield create(WatchSyncResponseSchema, { job: syncJobToProto(view) });
      }
    },
  };
}
