import type { Caller } from "../../domain/caller.js";
import { CalendarIntegrationSchema } from "../../entities/calendar-integration.js";
import type { AppContext } from "../context.js";
import { runSyncJob } from "./run-sync-job.js";
import type { SyncType } from "./sync-job-view.js";
import { recordSyncJob } from "./start-sync-job.js";

/**
 * Runs a requested sync of one integration here and now, recorded as a
 * sync_jobs row like any other (GetSyncStatus shows it). An integration gone
 * or needing attention is skipped: the request was only a hint.
 */
export async function syncIntegration(
  ctx: AppContext,
  caller: Caller,
  input: { integrationId: string; type: SyncType },
): Promise<string | undefined> {
  const integration = await ctx.orm.em.fork().findOne(CalendarIntegrationSchema, { id: input.integrationId });
  if (!integration || integration.status !== "active") return undefined;
  const job = await recordSyncJob(ctx, {
    tenantId: integration.tenantId,
    provider: integration.provider,
    integrationId: integration.id,
    type: input.type,
  });
  await runSyncJob(ctx, caller, { syncJobId: job.id });
  return job.id;
}
