import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError, NotFoundError } from "../../domain/errors.js";
import type { Technician } from "../../domain/technicians/technician.js";
import { validateTechnicianFields, type TechnicianFieldsRequest } from "../../domain/technicians/technician-fields.js";
import { requireUuid } from "../../domain/validation.js";
import type { AppContext } from "../context.js";
import { queueOwedEvents } from "../outbox/queue-owed-events.js";
import { findTechnician, replaceTechnician } from "./technician-rows.js";
import { unitOfWorkSql } from "../../db/unit-of-work-sql.js";

/**
 * Replaces every field (UpdateTechnician is a full replacement); a newly linked calendar gets their
 * upcoming events, queued in the same transaction as the link (no crash between them loses them).
 */
export async function updateTechnician(
  ctx: AppContext,
  _caller: Caller,
  input: { id: string; tenantFilter: string | undefined; fields: TechnicianFieldsRequest },
): Promise<Technician> {
  const id = requireUuid("id", input.id);
  const fields = validateTechnicianFields(input.fields);
  const tenantId = input.tenantFilter ?? null;
  const { technician, owed } = await ctx.orm.em.fork().transactional(async (em) => {
    const sql = unitOfWorkSql(em);
    const before = await findTechnician(sql, id, tenantId);
    if (!before) throw new NotFoundError(`technician ${id} not found`);
    const replaced = await replaceTechnician(sql, id, tenantId, fields);
    if (!replaced) throw new InvalidArgumentError("technician.calendar_id", "not a calendar of this tenant");
    const linkedElsewhere = replaced.calendarId && replaced.calendarId !== before.calendarId;
    return {
      technician: replaced,
      owed: linkedElsewhere ? await queueOwedEvents(em, replaced.tenantId, ctx.clock.now()) : 0,
    };
  });
  if (owed > 0) await ctx.jobs.send("outbox-sweep", {});
  return technician;
}
