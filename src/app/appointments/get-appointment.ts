import { actorOf, type Caller } from "../../domain/caller.js";
import type { AppContext } from "../context.js";
import { openAppointment, type AppointmentRecord } from "./appointment-record.js";
import { findAppointment } from "./find-appointment.js";

/** One appointment, its read audited; tenantFilter (a JWT caller's tenant) reports another tenant's id as missing. */
export async function getAppointment(
  ctx: AppContext,
  caller: Caller,
  input: { id: string; tenantFilter: string | undefined },
): Promise<AppointmentRecord> {
  const row = await findAppointment(ctx.orm.em.fork(), input.id, input.tenantFilter, { readBy: actorOf(caller) });
  return openAppointment(ctx.customerKeys, row);
}
