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
  /** The company name of a field-service account; "" for calendars. */
  accountName: string;
  /** IANA zone given or reported for a field-service account. */
  timeZone?: string;
  status: "active" | "error" | "disabled";
  statusReason: string;
  calendars: CalendarView[];
  syncDirection: "bidirectional" | "from_provider" | "to_provider";
  syncEnabled: boolean;
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
    accountName: integration.accountName ?? "",
    ...(integration.accountSettings.timeZone ? { timeZone: integration.accountSettings.timeZone } : {}),
    status: integration.status as IntegrationView["status"],
    statusReason: integration.statusReason ?? "",
    syncDirection: integration.syncDirection as IntegrationView["syncDirection"],
    syncEnabled: integration.syncEnabled,
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
