import type { EntityManager } from "@mikro-orm/postgresql";
import { NotFoundError } from "../../domain/errors.js";
import { requireUuid } from "../../domain/validation.js";
import { AppointmentSchema, type Appointment } from "../../entities/appointment.js";

/**
 * Loads one appointment. tenantId limits the lookup to that tenant (JWT
 * callers): another tenant's id is reported exactly like a missing one.
 * One plain select mapped into the unit of work (the ORM's query building
 * cost more than the query itself).
 */
export async function findAppointment(
  em: EntityManager,
  id: string,
  tenantId: string | undefined,
  options: { forUpdate?: boolean } = {},
): Promise<Appointment> {
  const params: string[] = [requireUuid("id", id)];
  let sql = "select * from appointments where id = ?";
  if (tenantId !== undefined) {
    sql += " and tenant_id = ?";
    params.push(tenantId);
  }
  if (options.forUpdate) sql += " for update";
  const [row] = await em.execute<Record<string, unknown>[]>(sql, params);
  if (!row) throw new NotFoundError(`appointment ${id} not found`);
  return em.map(AppointmentSchema, row);
}
