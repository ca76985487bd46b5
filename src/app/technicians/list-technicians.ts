import type { Caller } from "../../domain/caller.js";
import { isQualified, type Technician } from "../../domain/technicians/technician.js";
import type { AppContext } from "../context.js";
import { loadTechnicians } from "./technician-rows.js";

/** The tenant's technicians by name; with a job type, only those who do it. */
export async function listTechnicians(
  ctx: AppContext,
  _caller: Caller,
  input: { tenantId: string; jobType: string },
): Promise<Technician[]> {
  const technicians = await loadTechnicians(ctx.sql, input.tenantId);
  return technicians.filter((technician) => isQualified(technician, input.jobType));
}
