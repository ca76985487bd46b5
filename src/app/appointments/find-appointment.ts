import { LockMode } from "@mikro-orm/core";
import type { EntityManager } from "@mikro-orm/postgresql";
import { NotFoundError } from "../../domain/errors.js";
import { requireUuid } from "../../domain/validation.js";
import { AppointmentSchema, type Appointment } from "../../entities/appointment.js";

/**
 * Loads one appointment. tenantId limits the lookup to that tenant (JWT
 * callers): another tenant's id is reported exactly like a missing one.
 */
export async function findAppointment(
  em: EntityManager,
  id: string,
  tenantId: string | undefined,
  options: { forUpdate?: boolean } = {},
): Promise<Appointment> {
  const where = tenantId === undefined ? { id: requireUuid("id", id) } : { id: requireUuid("id", id), tenantId };
  const appointment = await em.findOne(AppointmentSchema, where, options.forUpdate ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
  if (!appointment) throw new NotFoundError(`appointment ${id} not found`);
  return appointment;
}
