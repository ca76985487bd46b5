import type { Caller } from "../../domain/caller.js";
import { requireUuid } from "../../domain/validation.js";
import type { AppContext } from "../context.js";
import { markTechnicianDeleted } from "./technician-rows.js";

/**
 * The technician is no longer offered or booked. Their appointments stay (and
 * keep their lane in the no-overlap rule); past ones still name them.
 */
export async function deleteTechnician(
  ctx: AppContext,
  _caller: Caller,
  input: { id: string; tenantFilter: string | undefined },
): Promise<boolean> {
  return markTechnicianDeleted(ctx.sql, requireUuid("id", input.id), input.tenantFilter ?? null);
}
