import { CalendarIntegrationSchema } from "../../entities/calendar-integration.js";
import type { Caller } from "../../domain/caller.js";
import type { AppContext } from "../context.js";
import { integrationViews, type IntegrationView } from "../integrations/integration-view.js";

/** Every calendar integration of the tenant, oldest first. */
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
  return integrationViews(em, integrations);
}
