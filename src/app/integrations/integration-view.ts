import type { EntityManager } from "@mikro-orm/postgresql";
import type { CalendarIntegration } from "../../entities/calendar-integration.js";
import { IntegrationCalendarSchema } from "../../entities/integration-calendar.js";
import type { PushChannelView } from "../channels/channel-health.js";

export interface CalendarView {
  id: string;
  name: string;
  timeZone: string;
  primary: boolean;
  checkConflicts: boolean;
  receivesEvents: boolean;
}

/** A connected account as callers see it: never any secret. */
export interface IntegrationView {
  id: string;
  tenantId: string;
  provider: string;
  accountEmail: string;
  status: "active" | "error" | "disabled";
  statusReason: string;
  calendars: CalendarView[];
  lastSyncedAt?: Date;
  connectedAt: Date;
  /** GetCalendarStatus only: the integration's push channels. */
  pushChannels?: PushChannelView[];
}

export async function integrationViews(
  em: EntityManager,
  integrations: CalendarIntegration[],
): Promise<IntegrationView[]> {
  if (integrations.length === 0) return [];
  const calendars = await em.find(
    IntegrationCalendarSchema,
    { integrationId: { $in: integrations.map((i) => i.id) } },
    { orderBy: { isPrimary: "desc", name: "asc" } },
  );
  return integrations.map((integration) => ({
    id: integration.id,
    tenantId: integration.tenantId,
    provider: integration.provider,
    accountEmail: integration.accountEmail,
    status: integration.status as IntegrationView["status"],
    statusReason: integration.statusReason ?? "",
    calendars: calendars
      .filter((c) => c.integrationId === integration.id)
      .map((c) => ({
        id: c.providerCalendarId,
        name: c.name,
        timeZone: c.timeZone ?? "",
        primary: c.isPrimary,
        checkConflicts: c.checkConflicts,
        receivesEvents: c.receivesEvents,
      })),
    ...(integration.lastSyncedAt ? { lastSyncedAt: integration.lastSyncedAt } : {}),
    connectedAt: integration.createdAt,
  }));
}
