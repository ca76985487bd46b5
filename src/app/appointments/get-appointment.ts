import { actorOf, type Caller } from "../../domain/caller.js";
import { NotFoundError } from "../../domain/errors.js";
import { requireUuid } from "../../domain/validation.js";
import type { Statement } from "../../db/sql-pool.js";
import type { AppContext } from "../context.js";
import { READ_AUDIT_COMMIT } from "../shared/read-audit-commit.js";
import { openAppointmentRows, type AppointmentRecord } from "./appointment-record.js";
import type { AppointmentRow } from "./appointment-row.js";

/**
 * By primary key; the read's audit row is written by the same statement (a data-modifying CTE), which
 * commits without waiting for its flush (READ_AUDIT_COMMIT).
 */
function auditedRead(name: string, where: string, actorParameter: string): Statement {
  return {
    name,
    text: `with found as (select * from appointments where ${where}), audited as (
      insert into audit_log (tenant_id, actor, action, entity_type, entity_id)
      select tenant_id, ${actorParameter}, 'appointment.read', 'appointment', id::text from found, ${READ_AUDIT_COMMIT}
    ) select * from found`,
  };
}

/** The hottest read: a named prepared statement by primary key, no unit of work, no extra round trip for the audit. */
export const BY_ID: Statement = auditedRead("appointment-by-id", "id = $1", "$2::text");
const BY_ID_IN_TENANT: Statement = auditedRead("appointment-by-id-in-tenant", "id = $1 and tenant_id = $3", "$2::text");

/** One appointment, its read audited; tenantFilter (a JWT caller's tenant) reports another tenant's id as missing. */
export async function getAppointment(
  ctx: AppContext,
  caller: Caller,
  input: { id: string; tenantFilter: string | undefined },
): Promise<AppointmentRecord> {
  const id = requireUuid("id", input.id);
  const actor = actorOf(caller);
  const [row] =
    input.tenantFilter === undefined
      ? await ctx.sql.rows<AppointmentRow>(BY_ID, [id, actor])
      : await ctx.sql.rows<AppointmentRow>(BY_ID_IN_TENANT, [id, actor, input.tenantFilter]);
  if (!row) throw new NotFoundError(`appointment ${input.id} not found`);
  const [record] = await openAppointmentRows(ctx.customerKeys, [row]);
  return record!;
}
