import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import type { AppContext } from "../context.js";
import { findIntegration } from "../integrations/find-integration.js";
import { integrationViews, type IntegrationView } from "../integrations/integration-view.js";
import { queueOwedEvents } from "../outbox/queue-owed-events.js";
import { recordAudit } from "../shared/audit.js";
import { MASS_DELETE_GUARD_REASON } from "../sync/reconcile-appointments.js";

export type SyncDirection = "bidirectional" | "from_provider" | "to_provider";
export const SYNC_DIRECTIONS: readonly SyncDirection[] = ["bidirectional", "from_provider", "to_provider"];

/**
 * Sets an integration's sync direction and switch. Turning sync on is also
 * how a human releases a tripped mass-delete guard: the integration is
 * active again and the next sync applies the calendar's changes. Upcoming
 * appointments its calendars do not hold yet are queued for delivery.
 */
export async function updateSyncSettings(
  ctx: AppContext,
  caller: Caller,
  input: {
    integrationId: string;
    tenantFilter: string | undefined;
    syncDirection: SyncDirection | undefined;
    syncEnabled: boolean | undefined;
  },
): Promise<IntegrationView> {
  if (input.syncDirection === undefined && input.syncEnabled === undefined) {
    throw new InvalidArgumentError("sync_direction", "set sync_direction or sync_enabled");
  }
  const { view, owed } = await ctx.orm.em.fork().transactional(async (em) => {
    const integration = await findIntegration(em, input.integrationId, input.tenantFilter);
    if (input.syncDirection !== undefined) integration.syncDirection = input.syncDirection;
    if (input.syncEnabled !== undefined) integration.syncEnabled = input.syncEnabled;
    if (input.syncEnabled === true && integration.statusReason?.startsWith(MASS_DELETE_GUARD_REASON)) {
      integration.status = "active";
      integration.statusReason = null;
    }
    integration.updatedAt = ctx.clock.now();
    recordAudit(em, {
      tenantId: integration.tenantId,
      caller,
      action: "integration.sync_settings",
      entityType: "calendar_integration",
      entityId: integration.id,
      changes: { syncDirection: integration.syncDirection, syncEnabled: integration.syncEnabled },
    });
    // Sync turned on (or the guard released, or writes allowed again): what was booked meanwhile is owed.
    const owed = await queueOwedEvents(em, integration.tenantId, ctx.clock.now());
    const [view] = await integrationViews(em, [integration]);
    return { view: view!, owed };
  });
  if (owed > 0) await ctx.jobs.send("outbox-sweep", {});
  return view;
}
