import type { EntityManager } from "@mikro-orm/postgresql";
import { InvalidArgumentError, NotFoundError } from "../../domain/errors.js";
import { CalendarIntegrationSchema, type CalendarIntegration } from "../../entities/calendar-integration.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An integration by id; tenantFilter (a JWT caller's tenant) hides other
 * tenants' integrations behind not_found.
 */
export async function findIntegration(em: EntityManager, id: string, tenantFilter: string | undefined): Promise<CalendarIntegration> {
  if (!UUID.test(id)) throw new InvalidArgumentError("integration_id", "must be a UUID");
  const integration = await em.findOne(CalendarIntegrationSchema, { id, ...(tenantFilter ? { tenantId: tenantFilter } : {}) });
  if (!integration) throw new NotFoundError(`calendar integration ${id} not found`);
  return integration;
}
