import { recordAudit } from "../shared/audit.js";
import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { IntegrationCalendarSchema } from "../../entities/integration-calendar.js";
import { ProviderBusyEventSchema } from "../../entities/provider-busy-event.js";
import type { AppContext } from "../context.js";
import { requestChannels } from "../channels/request-channels.js";
import { startSyncJob } from "../sync/start-sync-job.js";
import { findIntegration } from "../integrations/find-integration.js";
import { integrationViews, type IntegrationView } from "../integrations/integration-view.js";
import { queueOwedEvents } from "../outbox/queue-owed-events.js";

export interface CalendarSelectionInput {
  calendarId: string;
  checkConflicts: boolean;
  receivesEvents: boolean;
}

/**
 * Sets which calendars are checked for conflicts and which single one
 * receives new events. A calendar no longer checked loses its mirrored
 * events; a newly checked one is read by a sync started here. A calendar
 * that now receives events is owed the upcoming appointments' events; the
 * one that received them before keeps what it holds.
 */
export async function updateCalendarSelection(
  ctx: AppContext,
  caller: Caller,
  input: { integrationId: string; tenantFilter: string | undefined; calendars: CalendarSelectionInput[] },
): Promise<IntegrationView> {
  if (input.calendars.length === 0) throw new InvalidArgumentError("calendars", "name at least one calendar");
  const ids = input.calendars.map((c) => c.calendarId);
  if (new Set(ids).size !== ids.length) throw new InvalidArgumentError("calendars", "a calendar is listed twice");
  if (input.calendars.filter((c) => c.receivesEvents).length > 1) {
    throw new InvalidArgumentError("calendars", "at most one calendar receives events");
  }

  const em = ctx.orm.em.fork();
  const { integration, newlyChecked, owed } = await em.transactional(async (tx) => {
    const integration = await findIntegration(tx, input.integrationId, input.tenantFilter);
    const rows = await tx.find(IntegrationCalendarSchema, { integrationId: integration.id });
    const byId = new Map(rows.map((row) => [row.providerCalendarId, row]));
    const unknown = ids.filter((id) => !byId.has(id));
    if (unknown.length > 0)
      throw new InvalidArgumentError(
        "calendars.calendar_id",
        `not a calendar of this integration: ${unknown.join(", ")}`,
      );

    let newlyChecked = false;
    const receiver = input.calendars.find((c) => c.receivesEvents);
    for (const selection of input.calendars) {
      const row = byId.get(selection.calendarId);
      if (!row) continue;
      if (selection.checkConflicts && !row.checkConflicts) {
        newlyChecked = true;
        row.syncState = null;
      }
      if (!selection.checkConflicts && row.checkConflicts) {
        await tx.nativeDelete(ProviderBusyEventSchema, { tenantId: integration.tenantId, calendarId: row.id });
        row.syncState = null;
      }
      row.checkConflicts = selection.checkConflicts;
      row.receivesEvents = selection.receivesEvents;
    }
    if (receiver) {
      for (const row of rows) if (row.providerCalendarId !== receiver.calendarId) row.receivesEvents = false;
    }
    recordAudit(tx, {
      tenantId: integration.tenantId,
      caller,
      action: "calendar_selection.updated",
      entityType: "calendar_integration",
      entityId: integration.id,
      changes: { calendars: input.calendars.map((c) => ({ ...c })) },
    });
    const owed = await queueOwedEvents(tx, integration.tenantId, ctx.clock.now());
    return { integration, newlyChecked, owed };
  });
  if (owed > 0) await ctx.jobs.send("outbox-sweep", {});
  if (newlyChecked && integration.status === "active") {
    await startSyncJob(ctx, {
      tenantId: integration.tenantId,
      integrationId: integration.id,
      provider: integration.provider,
      type: "incremental",
    });
  }
  // Checked calendars get channels; unchecked ones lose theirs.
  if (integration.status === "active") await requestChannels(ctx, integration.id);
  const [view] = await integrationViews(ctx.orm.em.fork(), [integration]);
  if (!view) throw new Error("integration vanished after commit");
  return view;
}
