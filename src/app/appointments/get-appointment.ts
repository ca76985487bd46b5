import type { Caller } from "../../domain/caller.js";
import { NotFoundError } from "../../domain/errors.js";
import { requireUuid } from "../../domain/validation.js";
import type { Statement } from "../../db/sql-pool.js";
import type { Appointment } from "../../entities/appointment.js";
import type { AppContext } from "../context.js";
import { appointmentFromRow, type AppointmentRow } from "./appointment-row.js";

/** The hottest read: a named prepared statement by primary key, no unit of work. */
export const BY_ID: Statement = { name: "appointment-by-id", text: "select * from appointments where id = $1" };
const BY_ID_IN_TENANT: Statement = {
  name: "appointment-by-id-in-tenant",
  text: "select * from appointments where id = $1 and tenant_id = $2",
};

/** One appointment; tenantFilter (a JWT caller's tenant) reports another tenant's id as missing. */
export async function getAppointment(
  ctx: AppContext,
  _caller: Caller,
  input: { id: string; tenantFilter: string | undefined },
): Promise<Appointment> {
  const id = requireUuid("id", input.id);
  const [row] =
    input.tenantFilter === undefined
      ? await ctx.sql.rows<AppointmentRow>(BY_ID, [id])
      : await ctx.sql.rows<AppointmentRow>(BY_ID_IN_TENANT, [id, input.tenantFilter]);
  if (!row) throw new NotFoundError(`appointment ${input.id} not found`);
  return appointmentFromRow(row);
}
