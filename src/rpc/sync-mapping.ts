import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import {
  SyncCountsSchema,
  SyncJobSchema,
  SyncStatus,
  SyncType,
  type SyncJob,
} from "../../gen/universalcalendar/v1/sync_pb.js";
import type { SyncJobView } from "../app/sync/sync-job-view.js";
import { InvalidArgumentError } from "../domain/errors.js";
import { providerFromName } from "./provider-mapping.js";

const STATUS: Record<SyncJobView["status"], SyncStatus> = {
  queued: SyncStatus.QUEUED,
  running: SyncStatus.RUNNING,
  succeeded: SyncStatus.SUCCEEDED,
  failed: SyncStatus.FAILED,
};

export function syncJobToProto(view: SyncJobView): SyncJob {
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

export function syncTypeFromProto(type: SyncType): "full" | "incremental" {
  if (type === SyncType.FULL) return "full";
  if (type === SyncType.INCREMENTAL || type === SyncType.UNSPECIFIED) return "incremental";
  throw new InvalidArgumentError("type", `unknown sync type ${type}`);
}
