import { CalendarIntegrationSchema } from "../../entities/calendar-integration.js";
import type { Caller } from "../../domain/caller.js";
import { channelHealth } from "../channels/channel-health.js";
import type { AppContext } from "../context.js";
import { integrationViews, type IntegrationView } from "../integrations/integration-view.js";

/** Every calendar integration of the tenant, oldest first, with the health of its push channels. */
export async function getCalendarStatus(
  ctx: AppContext,
  _caller: Caller,
  input: { tenantId: string },
): Promise<IntegrationView[]> {
  const em = ctx.orm.em.fork();
  const integrations = await em.find(
    CalendarIntegrationSchema,
    { tenantId: input.tenantId, provider: { $in: ctx.providers.names("busyTime") } },
    { orderBy: { createdAt: "asc" } },
  );
  const views = await integrationViews(em, integrations);
  const channels = await channelHealth(
    em,
    integrations.map((i) => i.id),
    ctx.clock.now(),
    ctx.settings.channelRenewBeforeMs,
  );
  return views.map((view) => ({ ...view, pushChannels: channels.get(view.id) ?? [] }));
}
