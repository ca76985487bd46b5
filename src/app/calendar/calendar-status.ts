import { CalendarIntegrationSchema } from "../../entities/calendar-integration.js";
import type { Caller } from "../../domain/caller.js";
import { channelHealth } from "../channels/channel-health.js";
import type { AppContext } from "../context.js";
import { integrationViews, type IntegrationView } from "../integrations/integration-view.js";

export interface AppointmentSyncIssue {
  appointmentId: string;
  kind: "delivery_failed" | "calendar_conflict";
  reason: string;
}

/** Most issues listed; the oldest unresolved come first. */
const ISSUE_LIMIT = 100;

/**
 * Every calendar integration of the tenant, oldest first, with the health of
 * its push channels, and the
 * appointments whose calendar copy needs attention: a write that failed for
 * good, or a move made in the calendar that conflicts.
 */
export async function getCalendarStatus(
  ctx: AppContext,
  _caller: Caller,
  input: { tenantId: string },
): Promise<{ integrations: IntegrationView[]; issues: AppointmentSyncIssue[] }> {
  const em = ctx.orm.em.fork();
  const integrations = await em.find(
    CalendarIntegrationSchema,
    { tenantId: input.tenantId, provider: { $in: ctx.providers.names("busyTime") } },
    { orderBy: { createdAt: "asc" } },
  );
  const rows = await em.execute<
    { id: string; sync_status: string; sync_error: string | null; calendar_conflict: string | null }[]
  >(
    `select id::text as id, sync_status, sync_error, calendar_conflict from appointments
     where tenant_id = ? and (sync_status = 'failed' or calendar_conflict is not null)
     order by updated_at limit ?`,
    [input.tenantId, ISSUE_LIMIT],
  );
  const issues = rows.flatMap((row): AppointmentSyncIssue[] => [
    ...(row.sync_status === "failed"
      ? [{ appointmentId: row.id, kind: "delivery_failed" as const, reason: row.sync_error ?? "" }]
      : []),
    ...(row.calendar_conflict
      ? [{ appointmentId: row.id, kind: "calendar_conflict" as const, reason: row.calendar_conflict }]
      : []),
  ]);
  const views = await integrationViews(em, integrations);
  const channels = await channelHealth(
    em,
    integrations.map((i) => i.id),
    ctx.clock.now(),
    ctx.settings.channelRenewBeforeMs,
  );
  return { integrations: views.map((view) => ({ ...view, pushChannels: channels.get(view.id) ?? [] })), issues };
}
