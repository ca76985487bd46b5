import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { CalendarIntegrationSchema } from "../../entities/calendar-integration.js";
import type { AppContext } from "../context.js";
import { syncIntegration } from "./sync-integration.js";

/** How fresh one integration's mirror was when an answer was computed. */
export interface DataFreshness {
  integrationId: string;
  provider: string;
  asOf?: Date;
  /** Still older than the caller allowed: the refresh did not finish within the budget. */
  stale: boolean;
}

const MAX_STALENESS_SECONDS = 7 * 86_400;

/** max_staleness_seconds checked (undefined: not asked for), for a caller that validates before other work. */
export function requireMaxStaleness(maxStalenessSeconds: number | undefined): number | undefined {
  if (
    maxStalenessSeconds !== undefined &&
    (!Number.isInteger(maxStalenessSeconds) || maxStalenessSeconds < 0 || maxStalenessSeconds > MAX_STALENESS_SECONDS)
  ) {
    throw new InvalidArgumentError("max_staleness_seconds", `must be an integer from 0 to ${MAX_STALENESS_SECONDS}`);
  }
  return maxStalenessSeconds;
}

/**
 * Freshness on demand: with maxStalenessSeconds, each active calendar
 * integration of the tenant whose last successful sync is older runs an
 * incremental sync now, all at once, for at most freshnessBudgetMs; a sync
 * still running then finishes in the background and the answer comes from
 * the mirror, each integration's data_as_of saying how old it is. Without it
 * nothing is read: the hot path stays one query.
 */
export async function refreshStaleMirrors(
  ctx: AppContext,
  caller: Caller,
  input: { tenantId: string; maxStalenessSeconds: number | undefined },
): Promise<DataFreshness[]> {
  const maxStalenessSeconds = requireMaxStaleness(input.maxStalenessSeconds);
  if (maxStalenessSeconds === undefined) return [];
  const threshold = ctx.clock.now().getTime() - maxStalenessSeconds * 1000;
  const read = () =>
    ctx.orm.em
      .fork()
      .find(
        CalendarIntegrationSchema,
        { tenantId: input.tenantId, status: "active", provider: { $in: ctx.providers.names("busyTime") } },
        { fields: ["id", "provider", "lastSyncedAt"], orderBy: { createdAt: "asc" } },
      );
  const integrations = await read();
  const stale = integrations.filter((i) => (i.lastSyncedAt?.getTime() ?? 0) < threshold);
  if (stale.length > 0) {
    const syncs = Promise.all(
      stale.map((i) =>
        syncIntegration(ctx, caller, { integrationId: i.id, type: "incremental" }).catch((error: unknown) => {
          ctx.logger.warn({ integrationId: i.id, err: (error as Error).message }, "freshness sync failed");
        }),
      ),
    );
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ctx.settings.freshnessBudgetMs);
    });
    await Promise.race([syncs, budget]);
    clearTimeout(timer);
  }
  const current = stale.length > 0 ? await read() : integrations;
  return current.map((i) => ({
    integrationId: i.id,
    provider: i.provider,
    ...(i.lastSyncedAt ? { asOf: i.lastSyncedAt } : {}),
    stale: (i.lastSyncedAt?.getTime() ?? 0) < threshold,
  }));
}
