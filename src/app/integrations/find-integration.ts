import type { EntityManager } from "@mikro-orm/postgresql";
import { NotFoundError } from "../../domain/errors.js";
import { requireUuid } from "../../domain/validation.js";
import { CalendarIntegrationSchema, type CalendarIntegration } from "../../entities/calendar-integration.js";

/**
 * An integration by id; tenantFilter (a JWT caller's tenant) hides other
 * tenants' integrations behind not_found.
 */
export async function findIntegration(
  em: EntityManager,
  id: string,
  tenantFilter: string | undefined,
): Promise<CalendarIntegration> {
  requireUuid("integration_id", id);
  const integration = await em.findOne(CalendarIntegrationSchema, {
    id,
    ...(tenantFilter ? { tenantId: tenantFilter } : {}),
  });
  if (!integration) throw new NotFoundError(`calendar integration ${id} not found`);
  return integration;
}
