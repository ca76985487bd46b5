import type { Caller } from "../../domain/caller.js";
import { requireText } from "../../domain/validation.js";
import type { AppContext } from "../context.js";

/** Frees a held slot at once; false when the hold is already gone (confirmed, released or expired and cleared). */
export async function releaseHold(
  ctx: AppContext,
  _caller: Caller,
  input: { tenantId: string; holdToken: string },
): Promise<boolean> {
  const token = requireText("hold_token", input.holdToken, 100);
  const rows = await ctx.sql.rows(
    {
      name: "release-hold",
      text: "delete from appointments where tenant_id = $1 and hold_token = $2 and status = 'held' returning id",
    },
    [input.tenantId, token],
  );
  return rows.length > 0;
}
