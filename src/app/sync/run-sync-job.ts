import type { Caller } from "../../domain/caller.js";
import { CalendarIntegrationSchema, type CalendarIntegration } from "../../entities/calendar-integration.js";
import { IntegrationCalendarSchema, type IntegrationCalendar } from "../../entities/integration-calendar.js";
import { SyncJobSchema, type SyncJob } from "../../entities/sync-job.js";
import type { BusyTimeSource, SyncWindow } from "../../providers/calendar/calendar-provider.js";
import type { ProviderCredentials } from "../../providers/kit/connector.js";
import { ProviderError } from "../../providers/kit/provider-error.js";
import { loadSchedulingRules } from "../availability/load-scheduling-rules.js";
import type { AppContext } from "../context.js";
import { syncCalendarList } from "../integrations/calendar-list.js";
import { ReauthorizationRequiredError } from "../integrations/integration-credentials.js";
import { callProvider } from "../integrations/provider-call.js";
import { recordAudit } from "../shared/audit.js";
import { deleteEvents, replaceEvents, upsertEvents, type MirrorCalendar } from "./mirror-writer.js";
import { reconcileAppointments } from "./reconcile-appointments.js";
import { syncWindowAt } from "./sync-window.js";

interface Tally {
  processed: number;
  created: number;
  updated: number;
  deleted: number;
  doneCalendars: number;
  totalCalendars: number;
}

/**
 * Runs one sync_jobs row: for each matching integration (one at a time per
 * integration, a lock across instances) and each calendar checked for
 * conflicts, a full read of the sync window that replaces the calendar's
 * mirror, or the changes since its saved state (full when the provider says
 * the state expired). Progress and counts are written to the row as it
 * goes; failures are recorded there, never thrown at the worker.
 */
export async function runSyncJob(ctx: AppContext, caller: Caller, input: { syncJobId: string }): Promise<void> {
  const syncJobId = input.syncJobId;
  const em = ctx.orm.em.fork();
  const job = await em.findOne(SyncJobSchema, { id: syncJobId });
  if (!job || job.status === "succeeded" || job.status === "failed") return;
  await updateJob(ctx, job.id, { status: "running", startedAt: ctx.clock.now() });

  const errors: string[] = [];
  const tally: Tally = { processed: 0, created: 0, updated: 0, deleted: 0, doneCalendars: 0, totalCalendars: 0 };
  try {
    const integrations = await integrationsOf(ctx, job);
    tally.totalCalendars = await em.count(IntegrationCalendarSchema, {
      integrationId: { $in: integrations.map((i) => i.id) },
      checkConflicts: true,
    });
    for (const integration of integrations) {
      const started = performance.now();
      let outcome: "succeeded" | "failed" = "succeeded";
      try {
        await ctx.jobs.exclusive(`calendar-sync:${integration.id}`, () =>
          syncIntegration(ctx, job, integration, tally),
        );
      } catch (error) {
        outcome = "failed";
        errors.push(`${integration.provider} ${integration.id}: ${describeFailure(error)}`);
        ctx.logger.warn(
          { syncJobId, integrationId: integration.id, err: describeFailure(error) },
          "integration sync failed",
        );
      }
      ctx.metrics.syncFinished(integration.provider, outcome, (performance.now() - started) / 1000);
      await auditCalendarRead(ctx, caller, job, integration, outcome);
    }
  } catch (error) {
    errors.push(describeFailure(error));
    ctx.logger.error({ syncJobId, err: error }, "sync job failed");
  }
  await updateJob(ctx, job.id, {
    status: errors.length === 0 ? "succeeded" : "failed",
    progressPercent: 100,
    ...countsOf(tally),
    errors,
    finishedAt: ctx.clock.now(),
  });
}

/** Every read of a provider calendar leaves an audit row (counts only: events carry customers' names). */
async function auditCalendarRead(
  ctx: AppContext,
  caller: Caller,
  job: SyncJob,
  integration: CalendarIntegration,
  outcome: string,
): Promise<void> {
  const em = ctx.orm.em.fork();
  recordAudit(em, {
    tenantId: job.tenantId,
    caller,
    action: "calendar.synced",
    entityType: "calendar_integration",
    entityId: integration.id,
    changes: { provider: integration.provider, syncJobId: job.id, outcome },
  });
  await em.flush();
}

async function integrationsOf(ctx: AppContext, job: SyncJob): Promise<CalendarIntegration[]> {
  const em = ctx.orm.em.fork();
  if (job.integrationId) return em.find(CalendarIntegrationSchema, { id: job.integrationId, tenantId: job.tenantId });
  return em.find(
    CalendarIntegrationSchema,
    { tenantId: job.tenantId, provider: job.provider ? job.provider : { $in: ctx.providers.names("busyTime") } },
    { orderBy: { createdAt: "asc" } },
  );
}

async function syncIntegration(
  ctx: AppContext,
  job: SyncJob,
  integration: CalendarIntegration,
  tally: Tally,
): Promise<void> {
  const em = ctx.orm.em.fork();
  const now = ctx.clock.now();
  const { rules } = await loadSchedulingRules(ctx.sql, job.tenantId);
  const window = syncWindowAt(now, rules.bookingHorizonDays);

  if (job.type === "full") {
    const listed = await callCalendar(ctx, integration.id, (credentials, calendar) =>
      calendar.listCalendars(credentials),
    );
    await em.fork().transactional((tx) => syncCalendarList(tx, integration, listed, now));
  }
  const calendars = await em.find(
    IntegrationCalendarSchema,
    { integrationId: integration.id, checkConflicts: true },
    { orderBy: { createdAt: "asc" } },
  );
  for (const calendar of calendars) {
    const counts = await syncCalendar(ctx, job.type === "full" ? "full" : "incremental", integration, calendar, window);
    tally.processed += counts.processed;
    tally.created += counts.created;
    tally.updated += counts.updated;
    tally.deleted += counts.deleted;
    tally.doneCalendars++;
    const percent = Math.min(
      99,
      Math.floor((tally.doneCalendars / Math.max(tally.totalCalendars, tally.doneCalendars)) * 100),
    );
    await updateJob(ctx, job.id, { progressPercent: percent, ...countsOf(tally) });
  }
  await em.nativeUpdate(CalendarIntegrationSchema, { id: integration.id }, { lastSyncedAt: now });
}

async function syncCalendar(
  ctx: AppContext,
  type: "full" | "incremental",
  integration: CalendarIntegration,
  calendar: IntegrationCalendar,
  window: SyncWindow,
): Promise<{ processed: number; created: number; updated: number; deleted: number }> {
  const mirror: MirrorCalendar = {
    tenantId: integration.tenantId,
    integrationId: integration.id,
    calendarId: calendar.id,
  };
  const now = ctx.clock.now();
  const savedState = calendar.syncState;
  const listedAt = new Date();
  if (type === "incremental" && savedState) {
    const changes = await callCalendar(ctx, integration.id, (credentials, source) =>
      source.listChanges(credentials, calendar.providerCalendarId, savedState, window),
    );
    if (changes.kind === "changes") {
      await reconcileAppointments(
        ctx,
        integration,
        calendar,
        { upserts: changes.upserts, deletedIds: changes.deletions, complete: false, listedAt },
        window,
      );
      return ctx.orm.em.fork().transactional(async (tx) => {
        const counts = await upsertEvents(tx, mirror, changes.upserts);
        counts.deleted = await deleteEvents(tx, mirror, changes.deletions);
        await tx.nativeUpdate(
          IntegrationCalendarSchema,
          { id: calendar.id },
          { syncState: changes.nextSyncState, lastSyncedAt: now },
        );
        return { processed: changes.upserts.length + changes.deletions.length, ...counts };
      });
    }
    ctx.logger.info({ integrationId: integration.id, calendarId: calendar.id }, "sync state expired: full sync");
  }
  const listing = await callCalendar(ctx, integration.id, (credentials, source) =>
    source.listEvents(credentials, calendar.providerCalendarId, window),
  );
  await reconcileAppointments(
    ctx,
    integration,
    calendar,
    { upserts: listing.events, deletedIds: [], complete: true, listedAt },
    window,
  );
  return ctx.orm.em.fork().transactional(async (tx) => {
    const counts = await replaceEvents(tx, mirror, listing.events);
    await tx.nativeUpdate(
      IntegrationCalendarSchema,
      { id: calendar.id },
      { syncState: listing.nextSyncState ?? null, lastSyncedAt: now },
    );
    return { processed: listing.events.length, ...counts };
  });
}

/** A provider call through the integration's busy-time capability. */
function callCalendar<T>(
  ctx: AppContext,
  integrationId: string,
  call: (credentials: ProviderCredentials, source: BusyTimeSource) => Promise<T>,
): Promise<T> {
  return callProvider(ctx, integrationId, (credentials, provider) => {
    const source = provider.capabilities.busyTime;
    if (!source) throw new Error(`${provider.name} has no calendar to sync`);
    return call(credentials, source);
  });
}

async function updateJob(ctx: AppContext, id: string, changes: Partial<SyncJob>): Promise<void> {
  await ctx.orm.em.fork().nativeUpdate(SyncJobSchema, { id }, changes);
}

function countsOf(tally: Tally) {
  return { processed: tally.processed, created: tally.created, updated: tally.updated, deleted: tally.deleted };
}

/** For the job's error list: what went wrong, never a token. */
function describeFailure(error: unknown): string {
  if (error instanceof ReauthorizationRequiredError) return "reauthorization required";
  if (error instanceof ProviderError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
