import { CalendarIntegrationSchema } from "../../entities/calendar-integration.js";
import type { CalendarDependencies } from "./calendar-dependencies.js";
import { integrationViews, type IntegrationView } from "../integrations/integration-view.js";

/** Every calendar integration of the tenant, oldest first. */
export async function getCalendarStatus(deps: Pick<CalendarDependencies, "orm">, tenantId: string): Promise<IntegrationView[]> {
  const em = deps.orm.em.fork();
  const integrations = await em.find(
    CalendarIntegrationSchema,
    { tenantId, provider: { $in: ["google", "microsoft", "apple"] } },
    { orderBy: { createdAt: "asc" } },
  );
  return integrationViews(em, integrations);
}
