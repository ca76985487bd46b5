import type { Caller } from "../../domain/caller.js";
import { NotFoundError } from "../../domain/errors.js";
import type { Technician } from "../../domain/technicians/technician.js";
import { requireUuid } from "../../domain/validation.js";
import type { AppContext } from "../context.js";
import { findTechnician } from "./technician-rows.js";

/** tenantFilter limits the lookup to that tenant (JWT callers); another tenant's id is not found. */
export async function getTechnician(
  ctx: AppContext,
  _caller: Caller,
  input: { id: string; tenantFilter: string | undefined },
): Promise<Technician> {
  const technician = await findTechnician(ctx.sql, requireUuid("id", input.id), input.tenantFilter ?? null);
  if (!technician) throw new NotFoundError(`technician ${input.id} not found`);
  return technician;
}
