import type { EntityManager } from "@mikro-orm/postgresql";
import { NotFoundError } from "../../domain/errors.js";
import { requireUuid } from "../../domain/validation.js";
import { AppointmentSchema, type Appointment } from "../../entities/appointment.js";

/**
 * Loads one appointment. tenantId limits the lookup to that tenant (JWT
 * callers): another tenant's id is reported exactly like a missing one.
 * One plain select mapped into the unit of work: this is the hottest read,
 * and the ORM's query building cost more than the query itself. With
 * `readBy` (an audit actor) the same statement also writes the read's audit
 * row (a data-modifying CTE): auditing a read costs no extra round trip.
 */
export async function findAppointment(
  em: EntityManager,
  id: string,
  tenantId: string | undefined,
  options: { forUpdate?: boolean; readBy?: string } = {},
): Promise<Appointment> {
  const params: string[] = [requireUuid("id", id)];
  let sql = "select * from appointments where id = ?";
  if (tenantId !== undefined) {
    sql += " and tenant_id = ?";
    params.push(tenantId);
  }
  if (options.forUpdate) sql += " for update";
  if (options.readBy !== undefined) {
    sql = `with found as (${sql}), audited as (
      insert into audit_log (tenant_id, actor, action, entity_type, entity_id)
      select tenant_id, ?, 'appointment.read', 'appointment', id::text from found
    ) select * from found`;
    params.push(options.readBy);
  }
  const [row] = await em.execute<Record<string, unknown>[]>(sql, params);
  if (!row) throw new NotFoundError(`appointment ${id} not found`);
  return em.map(AppointmentSchema, row);
}
