import type { Caller } from "../../domain/caller.js";
import { CalendarIntegrationSchema } from "../../entities/calendar-integration.js";
import { maintainChannels } from "../channels/maintain-channels.js";
import type { AppContext, ScheduleName } from "../context.js";
import { reapExpiredHolds } from "../holds/reap-expired-holds.js";
import { requestIntegrationSync } from "../sync/request-integration-sync.js";
import { claimScheduleRun } from "./claim-schedule-run.js";
import { pruneRecords } from "./prune-records.js";

/** Refresh tokens expiring before the next run plus this margin. */
const TOKEN_REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * One firing of a schedule, run once across every instance (claimScheduleRun)
 * even when pg-boss fires it twice. Syncs are only requested: they coalesce
 * with those pushes already asked for.
 */
export async function runSchedule(ctx: AppContext, caller: Caller, input: { name: ScheduleName }): Promise<void> {
  if (!(await claimScheduleRun(ctx, input.name))) {
    ctx.logger.debug({ schedule: input.name }, "schedule already ran in this interval");
    return;
  }
  ctx.logger.info({ schedule: input.name }, "schedule running");
  switch (input.name) {
    case "schedule-backstop-sync":
      return requestSyncs(ctx, await activeIntegrations(ctx, ctx.providers.names("busyTime")), "incremental");
    case "schedule-caldav-poll": {
      const withoutPush = ctx.providers
        .names("busyTime")
        .filter((name) => !ctx.providers.find(name)?.capabilities.pushChannels);
      return requestSyncs(ctx, await activeIntegrations(ctx, withoutPush), "incremental");
    }
    case "schedule-full-sync":
      return requestSyncs(ctx, await activeIntegrations(ctx, ctx.providers.names("busyTime")), "full");
    case "schedule-channel-renewal":
      for (const id of await activeIntegrations(ctx, ctx.providers.names("pushChannels"))) {
        await maintainChannels(ctx, id);
      }
      return;
    case "schedule-token-refresh":
      return refreshExpiringTokens(ctx);
    case "schedule-prune": {
      const pruned = await pruneRecords(ctx);
      ctx.logger.info({ pruned }, "old records pruned");
      return;
    }
    case "schedule-hold-reap": {
      const reaped = await reapExpiredHolds(ctx, caller);
      ctx.logger.info({ reaped }, "expired holds deleted");
      return;
    }
  }
}

async function activeIntegrations(ctx: AppContext, providers: string[]): Promise<string[]> {
  if (providers.length === 0) return [];
  const rows = await ctx.orm.em
    .fork()
    .find(CalendarIntegrationSchema, { provider: { $in: providers }, status: "active" }, { fields: ["id"] });
  return rows.map((row) => row.id);
}

async function requestSyncs(ctx: AppContext, integrationIds: string[], type: "full" | "incremental"): Promise<void> {
  for (const integrationId of integrationIds) await requestIntegrationSync(ctx, { integrationId, type });
}

async function refreshExpiringTokens(ctx: AppContext): Promise<void> {
  const marginMs = ctx.settings.scheduleIntervalsMs["schedule-token-refresh"] + TOKEN_REFRESH_MARGIN_MS;
  const expiring = await ctx.orm.em.fork().find(
    CalendarIntegrationSchema,
    {
      status: "active",
      refreshTokenEncrypted: { $ne: null },
      tokenExpiresAt: { $lt: new Date(ctx.clock.now().getTime() + marginMs) },
    },
    { fields: ["id"] },
  );
  for (const { id } of expiring) {
    try {
      await ctx.credentials.refreshAhead(id, marginMs);
    } catch (error) {
      ctx.logger.warn({ integrationId: id, err: (error as Error).message }, "scheduled token refresh failed");
    }
  }
}
