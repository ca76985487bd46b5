import type { Caller } from "../../domain/caller.js";
import { FailedPreconditionError, InvalidArgumentError } from "../../domain/errors.js";
import { CalendarIntegrationSchema } from "../../entities/calendar-integration.js";
import type { AppContext } from "../context.js";
import type { SyncJobView, SyncType } from "./sync-job-view.js";
import { syncEstimate, type SyncEstimate } from "./sync-estimate.js";
import { startSyncJob } from "./start-sync-job.js";

/**
 * Enqueues a sync of one provider's integrations, or all of the tenant's; the
 * tenant must have one. Answers the job with when its integrations last
 * synced and how long it is expected to take.
 */
export async function triggerSync(
  ctx: AppContext,
  _caller: Caller,
  input: { tenantId: string; provider?: string; type: SyncType },
): Promise<{ job: SyncJobView } & SyncEstimate> {
  const calendarProviders = ctx.providers.names("busyTime");
  if (input.provider !== undefined && !calendarProviders.includes(input.provider)) {
    throw new InvalidArgumentError("provider", `${input.provider} has no calendar sync`);
  }
  const connected = await ctx.orm.em.fork().count(CalendarIntegrationSchema, {
    tenantId: input.tenantId,
    provider: input.provider ?? { $in: calendarProviders },
  });
  if (connected === 0) {
    throw new FailedPreconditionError(`tenant has no connected ${input.provider ?? "calendar"} integration to sync`);
  }
  const estimate = await syncEstimate(ctx, {
    tenantId: input.tenantId,
    providers: input.provider ? [input.provider] : calendarProviders,
    type: input.type,
  });
  return { job: await startSyncJob(ctx, input), ...estimate };
}
