import { randomUUID } from "node:crypto";
import type { EntityManager } from "@mikro-orm/postgresql";
import type { CalendarIntegration } from "../../entities/calendar-integration.js";
import { IntegrationCalendarSchema } from "../../entities/integration-calendar.js";
import type { ProviderCalendarInfo } from "../../providers/calendar/calendar-provider.js";

/**
 * Mirrors the provider's calendar list: new calendars are checked for
 * conflicts when the account can write to them (read-only subscriptions such
 * as holidays are not), the primary one receives events; calendars gone from
 * the provider are dropped with their mirrored events.
 */
export async function syncCalendarList(
  em: EntityManager,
  integration: CalendarIntegration,
  calendars: ProviderCalendarInfo[],
  now: Date,
): Promise<void> {
  const stored = await em.find(IntegrationCalendarSchema, { integrationId: integration.id });
  const byProviderId = new Map(stored.map((c) => [c.providerCalendarId, c]));
  const hasReceiver = stored.some((c) => c.receivesEvents && calendars.some((p) => p.id === c.providerCalendarId));
  for (const calendar of calendars) {
    const row = byProviderId.get(calendar.id);
    if (row) {
      row.name = calendar.name;
      row.timeZone = calendar.timeZone ?? null;
      row.isPrimary = calendar.primary;
      continue;
    }
    em.create(IntegrationCalendarSchema, {
      id: randomUUID(),
      tenantId: integration.tenantId,
      integrationId: integration.id,
      providerCalendarId: calendar.id,
      name: calendar.name,
      timeZone: calendar.timeZone ?? null,
      isPrimary: calendar.primary,
      checkConflicts: calendar.writable,
      receivesEvents: !hasReceiver && calendar.primary && calendar.writable,
      createdAt: now,
    });
  }
  const gone = stored.filter((c) => !calendars.some((p) => p.id === c.providerCalendarId));
  for (const calendar of gone) em.remove(calendar);
}
