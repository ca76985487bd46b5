import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import type { Technician } from "../../domain/technicians/technician.js";
import { validateTechnicianFields, type TechnicianFieldsRequest } from "../../domain/technicians/technician-fields.js";
import type { AppContext } from "../context.js";
import { insertTechnician } from "./technician-rows.js";

export async function createTechnician(
  ctx: AppContext,
  _caller: Caller,
  input: { tenantId: string; fields: TechnicianFieldsRequest },
): Promise<Technician> {
  const fields = validateTechnicianFields(input.fields);
  const technician = await insertTechnician(ctx.sql, input.tenantId, fields);
  if (!technician) throw new InvalidArgumentError("technician.calendar_id", "not a calendar of this tenant");
  return technician;
}
