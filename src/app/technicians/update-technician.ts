import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError, NotFoundError } from "../../domain/errors.js";
import type { Technician } from "../../domain/technicians/technician.js";
import { validateTechnicianFields, type TechnicianFieldsRequest } from "../../domain/technicians/technician-fields.js";
import { requireUuid } from "../../domain/validation.js";
import type { AppContext } from "../context.js";
import { findTechnician, replaceTechnician } from "./technician-rows.js";

/** Replaces every field (UpdateTechnician is a full replacement). */
export async function updateTechnician(
  ctx: AppContext,
  _caller: Caller,
  input: { id: string; tenantFilter: string | undefined; fields: TechnicianFieldsRequest },
): Promise<Technician> {
  const id = requireUuid("id", input.id);
  const fields = validateTechnicianFields(input.fields);
  const tenantId = input.tenantFilter ?? null;
  if (!(await findTechnician(ctx.sql, id, tenantId))) throw new NotFoundError(`technician ${id} not found`);
  const technician = await replaceTechnician(ctx.sql, id, tenantId, fields);
  if (!technician) throw new InvalidArgumentError("technician.calendar_id", "not a calendar of this tenant");
  return technician;
}
