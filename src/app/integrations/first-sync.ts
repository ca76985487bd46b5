import type { CalendarIntegration } from "../../entities/calendar-integration.js";
import type { AppContext } from "../context.js";
import { startSyncJob } from "../sync/start-sync-job.js";
import { integrationViews, type IntegrationView } from "./integration-view.js";

/** After a connection commits: its first full sync is queued, and the caller sees it as the status RPCs do. */
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
  const [view] = await integrationViews(ctx.orm.em.fork(), [integration]);
  if (!view) throw new Error("integration vanished after commit");
  return { integration: view, syncId: sync.id };
}
