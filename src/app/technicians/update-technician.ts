import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError, NotFoundError } from "../../domain/errors.js";
import type { Technician } from "../../domain/technicians/technician.js";
import { validateTechnicianFields, type TechnicianFieldsRequest } from "../../domain/technicians/technician-fields.js";
import { requireUuid } from "../../domain/validation.js";
import type { AppContext } from "../context.js";
import { queueOwedEvents } from "../outbox/queue-owed-events.js";
import { findTechnician, replaceTechnician } from "./technician-rows.js";

/** Replaces every field (UpdateTechnician is a full replacement); a newly linked calendar gets their upcoming events. */
export async function updateTechnician(
  ctx: AppContext,
  _caller: Caller,
  input: { id: string; tenantFilter: string | undefined; fields: TechnicianFieldsRequest },
): Promise<Technician> {
  const id = requireUuid("id", input.id);
  const fields = validateTechnicianFields(input.fields);
  const tenantId = input.tenantFilter ?? null;
  const before = await findTechnician(ctx.sql, id, tenantId);
  if (!before) throw new NotFoundError(`technician ${id} not found`);
  const technician = await replaceTechnician(ctx.sql, id, tenantId, fields);
  if (!technician) throw new InvalidArgumentError("technician.calendar_id", "not a calendar of this tenant");
  // Linked to another calendar: their upcoming appointments are owed to it (idempotent, so after the update).
  if (technician.calendarId && technician.calendarId !== before.calendarId) {
    const owed = await ctx.orm.em
      .fork()
      .transactional((em) => queueOwedEvents(em, technician.tenantId, ctx.clock.now()));
    if (owed > 0) await ctx.jobs.send("outbox-sweep", {});
  }
  return technician;
}
