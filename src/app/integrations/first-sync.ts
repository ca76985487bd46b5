import type { CalendarIntegration } from "../../entities/calendar-integration.js";
import type { AppContext } from "../context.js";
import { startSyncJob } from "../sync/start-sync-job.js";
import { integrationViews, type IntegrationView } from "./integration-view.js";

/**
 * After a connection commits: its first full sync is queued, the events its calendars are owed
 * (saveConnectedAccount queued them) are swept into delivery, and the caller sees it as the status RPCs do.
 */
export async function startFirstSync(
  ctx: AppContext,
  integration: CalendarIntegration,
): Promise<{ integration: IntegrationView; syncId: string }> {
  const sync = await startSyncJob(ctx, {
    tenantId: integration.tenantId,
    integrationId: integration.id,
    provider: integration.provider,
    type: "full",
  });
  await ctx.jobs.send("outbox-sweep", {});
  const [view] = await integrationViews(ctx.orm.em.fork(), [integration]);
  if (!view) throw new Error("integration vanished after commit");
  return { integration: view, syncId: sync.id };
}
