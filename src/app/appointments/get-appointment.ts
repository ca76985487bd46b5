import type { Caller } from "../../domain/caller.js";
import type { Appointment } from "../../entities/appointment.js";
import type { AppContext } from "../context.js";
import { findAppointment } from "./find-appointment.js";

/** One appointment; tenantFilter (a JWT caller's tenant) reports another tenant's id as missing. */
export async function getAppointment(
  ctx: AppContext,
  _caller: Caller,
  input: { id: string; tenantFilter: string | undefined },
): Promise<Appointment> {
  return findAppointment(ctx.orm.em.fork(), input.id, input.tenantFilter);
}
