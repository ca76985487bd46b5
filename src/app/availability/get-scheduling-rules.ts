import type { Caller } from "../../domain/caller.js";
import type { AppContext } from "../context.js";
import { loadSchedulingRules, type LoadedSchedulingRules } from "./load-scheduling-rules.js";

/** The tenant's rules as stored, or the defaults it runs on until it sets some. */
export async function getSchedulingRules(
  ctx: AppContext,
  _caller: Caller,
  input: { tenantId: string },
): Promise<LoadedSchedulingRules> {
  return loadSchedulingRules(ctx.sql, input.tenantId);
}
