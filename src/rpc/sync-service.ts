import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import {
  GetSyncStatusResponseSchema,
  type SyncService,
  TriggerSyncResponseSchema,
  WatchSyncResponseSchema,
} from "../../gen/universalcalendar/v1/sync_pb.js";
import type { AppContext } from "../app/context.js";
import { getSyncStatus } from "../app/sync/get-sync-status.js";
import { triggerSync } from "../app/sync/trigger-sync.js";
import { watchSync } from "../app/sync/watch-sync.js";
import { callerOf } from "../auth/caller-context.js";
import { resolveTenant } from "../auth/tenant-scope.js";
import { providerName } from "./provider-mapping.js";
import { syncJobToProto, syncTypeFromProto } from "./sync-mapping.js";

/** Service-key only (auth policy); the job ids are not tenant-scoped secrets. */
export function syncService(app: AppContext): ServiceImpl<typeof SyncService> {
  return {
    async triggerSync(req, ctx) {
      const caller = callerOf(ctx);
      const result = await triggerSync(app, caller, {
        tenantId: resolveTenant(caller, req.tenantId),
        ...(req.provider === Provider.UNSPECIFIED ? {} : { provider: providerName("provider", req.provider) }),
        type: syncTypeFromProto(req.type),
      });
      return create(TriggerSyncResponseSchema, {
        syncId: result.job.id,
        job: syncJobToProto(result.job),
        ...(result.lastSyncAt ? { lastSyncAt: timestampFromDate(result.lastSyncAt) } : {}),
        estimatedDurationSeconds: result.estimatedDurationSeconds,
      });
    },

    async getSyncStatus(req, ctx) {
      const view = await getSyncStatus(app, callerOf(ctx), { syncId: req.syncId });
      return create(GetSyncStatusResponseSchema, { job: syncJobToProto(view) });
    },

    async *watchSync(req, ctx) {
      for await (const view of watchSync(app, callerOf(ctx), { syncId: req.syncId, signal: ctx.signal })) {
        yield create(WatchSyncResponseSchema, { job: syncJobToProto(view) });
      }
    },
  };
}
