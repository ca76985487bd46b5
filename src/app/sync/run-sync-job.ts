import type { RetryPolicy } from "cockatiel";
import { loadSchedulingRules } from "../availability/load-scheduling-rules.js";
import { ReauthorizationRequiredError, type IntegrationCredentials } from "../integrations/integration-credentials.js";
import { syncCalendarList } from "../integrations/save-integration.js";
import type { MikroORM } from "../../db/orm.js";
import type { Clock } from "../../domain/clock.js";
import { CalendarIntegrationSchema, type CalendarIntegration } from "../../entities/calendar-integration.js";
import { IntegrationCalendarSchema, type IntegrationCalendar } from "../../entities/integration-calendar.js";
import { SyncJobSchema, type SyncJob } from "../../entities/sync-job.js";
import type { Logger } from "../../logger.js";
import { ProviderError } from "../../providers/kit/provider-error.js";
import type { AnyCalendarProvider, SyncWindow } from "../../providers/calendar/calendar-provider.js";
import type { ProviderCredentials } from "../../providers/kit/connector.js";
import type { IntegrationLocks } from "../../jobs/integration-locks.js";
import { deleteEvents, replaceEvents, upsertEvents, type MirrorCalendar } from "./mirror-writer.js";
import { syncWindowAt } from "./sync-window.js";

export interface SyncEngineDependencies {
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
  credentials: IntegrationCredentials;
  retryPolicy: RetryPolicy;
  locks: IntegrationLocks;
}

const CALENDAR_PROVIDERS = ["google", "microsoft", "apple"];

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
 * integration, see IntegrationLocks) and each calendar checked for
 * conflicts, a full read of the sync window that replaces the calendar's
 * mirror, or the changes since its saved state (full when the provider says
 * the state expired). Progress and counts are written to the row as it
 * goes; failures are recorded there, never thrown at the worker.
 */
export class SyncEngine {
  constructor(private readonly deps: SyncEngineDependencies) {}

  async run(syncJobId: string): Promise<void> {
    const em = this.deps.orm.em.fork();
    const job = await em.findOne(SyncJobSchema, { id: syncJobId });
    if (!job || job.status === "succeeded" || job.status === "failed") return;
    await this.update(job.id, { status: "running", startedAt: this.deps.clock.now() });

    const errors: string[] = [];
    const tally: Tally = { processed: 0, created: 0, updated: 0, deleted: 0, doneCalendars: 0, totalCalendars: 0 };
    try {
      const integrations = await this.integrationsOf(job);
      tally.totalCalendars = await em.count(IntegrationCalendarSchema, {
        integrationId: { $in: integrations.map((i) => i.id) },
        checkConflicts: true,
      });
      for (const integration of integrations) {
        try {
          await this.deps.locks.run(integration.id, () => this.syncIntegration(job, integration, tally));
        } catch (error) {
          errors.push(`${integration.provider} ${integration.id}: ${describe(error)}`);
          this.deps.logger.warn({ syncJobId, integrationId: integration.id, err: describe(error) }, "integration sync failed");
        }
      }
    } catch (error) {
      errors.push(describe(error));
      this.deps.logger.error({ syncJobId, err: error }, "sync job failed");
    }
    await this.update(job.id, {
      status: errors.length === 0 ? "succeeded" : "failed",
      progressPercent: 100,
      ...countsOf(tally),
      errors,
      finishedAt: this.deps.clock.now(),
    });
  }

  private async integrationsOf(job: SyncJob): Promise<CalendarIntegration[]> {
    const em = this.deps.orm.em.fork();
    if (job.integrationId) return em.find(CalendarIntegrationSchema, { id: job.integrationId, tenantId: job.tenantId });
    return em.find(
      CalendarIntegrationSchema,
      { tenantId: job.tenantId, provider: job.provider ? job.provider : { $in: CALENDAR_PROVIDERS } },
      { orderBy: { createdAt: "asc" } },
    );
  }

  private async syncIntegration(job: SyncJob, integration: CalendarIntegration, tally: Tally): Promise<void> {
    const em = this.deps.orm.em.fork();
    const now = this.deps.clock.now();
    const { rules } = await loadSchedulingRules(em, job.tenantId);
    const window = syncWindowAt(now, rules.bookingHorizonDays);

    if (job.type === "full") {
      const listed = await this.call(integration.id, (credentials, provider) => provider.listCalendars(credentials));
      await em.fork().transactional((tx) => syncCalendarList(tx, integration, listed));
    }
    const calendars = await em.find(IntegrationCalendarSchema, { integrationId: integration.id, checkConflicts: true }, { orderBy: { createdAt: "asc" } });
    for (const calendar of calendars) {
      const counts = await this.syncCalendar(job.type === "full" ? "full" : "incremental", integration, calendar, window);
      tally.processed += counts.processed;
      tally.created += counts.created;
      tally.updated += counts.updated;
      tally.deleted += counts.deleted;
      tally.doneCalendars++;
      const percent = Math.min(99, Math.floor((tally.doneCalendars / Math.max(tally.totalCalendars, tally.doneCalendars)) * 100));
      await this.update(job.id, { progressPercent: percent, ...countsOf(tally) });
    }
    await em.nativeUpdate(CalendarIntegrationSchema, { id: integration.id }, { lastSyncedAt: now });
  }

  private async syncCalendar(
    type: "full" | "incremental",
    integration: CalendarIntegration,
    calendar: IntegrationCalendar,
    window: SyncWindow,
  ): Promise<{ processed: number; created: number; updated: number; deleted: number }> {
    const mirror: MirrorCalendar = { tenantId: integration.tenantId, integrationId: integration.id, calendarId: calendar.id };
    const now = this.deps.clock.now();
    const savedState = calendar.syncState;
    if (type === "incremental" && savedState) {
      const changes = await this.call(integration.id, (credentials, provider) =>
        provider.listChanges(credentials, calendar.providerCalendarId, savedState, window),
      );
      if (changes.kind === "changes") {
        return this.deps.orm.em.fork().transactional(async (tx) => {
          const counts = await upsertEvents(tx, mirror, changes.upserts);
          counts.deleted = await deleteEvents(tx, mirror, changes.deletions);
          await tx.nativeUpdate(IntegrationCalendarSchema, { id: calendar.id }, { syncState: changes.nextSyncState, lastSyncedAt: now });
          return { processed: changes.upserts.length + changes.deletions.length, ...counts };
        });
      }
      this.deps.logger.info({ integrationId: integration.id, calendarId: calendar.id }, "sync state expired: full sync");
    }
    const listing = await this.call(integration.id, (credentials, provider) =>
      provider.listEvents(credentials, calendar.providerCalendarId, window),
    );
    return this.deps.orm.em.fork().transactional(async (tx) => {
      const counts = await replaceEvents(tx, mirror, listing.events);
      await tx.nativeUpdate(IntegrationCalendarSchema, { id: calendar.id }, { syncState: listing.nextSyncState ?? null, lastSyncedAt: now });
      return { processed: listing.events.length, ...counts };
    });
  }

  private call<T>(integrationId: string, fn: (credentials: ProviderCredentials, provider: AnyCalendarProvider) => Promise<T>): Promise<T> {
    return this.deps.retryPolicy.execute(() => this.deps.credentials.use(integrationId, fn));
  }

  private async update(id: string, changes: Partial<SyncJob>): Promise<void> {
    await this.deps.orm.em.fork().nativeUpdate(SyncJobSchema, { id }, changes);
  }
}

function countsOf(tally: Tally) {
  return { processed: tally.processed, created: tally.created, updated: tally.updated, deleted: tally.deleted };
}

/** For the job's error list: what went wrong, never a token. */
function describe(error: unknown): string {
  if (error instanceof ReauthorizationRequiredError) return "reauthorization required";
  if (error instanceof ProviderError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
