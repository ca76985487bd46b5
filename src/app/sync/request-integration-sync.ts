import type { AppContext } from "../context.js";
import type { SyncType } from "./sync-job-view.js";

/**
 * Asks for a sync of one integration without waiting for it: what pushes,
 * polls and the backstop call. Requests coalesce: while one of the same type
 * is still waiting (held back syncCoalesceMs so a burst lands in it), another
 * adds nothing; one more may wait while a sync runs, so a change that arrives
 * mid-sync is still read. True when this request queued a new sync.
 */
export function requestIntegrationSync(
  ctx: AppContext,
  input: { integrationId: string; type?: SyncType },
): Promise<boolean> {
  const type = input.type ?? "incremental";
  return ctx.jobs.send(
    "integration-sync",
    { integrationId: input.integrationId, type },
    { coalesceKey: `${type}:${input.integrationId}`, delayMs: ctx.settings.syncCoalesceMs },
  );
}
