import type { EntityManager } from "@mikro-orm/postgresql";
import { WebhookChannelSchema } from "../../entities/webhook-channel.js";

export interface PushChannelView {
  calendarId: string;
  state: "active" | "expiring" | "expired" | "failed";
  expiresAt?: Date;
  failedRenewals: number;
  lastNotificationAt?: Date;
  lastError: string;
}

/** Each integration's push channels as GetCalendarStatus shows them, by integration id. */
export async function channelHealth(
  em: EntityManager,
  integrationIds: string[],
  now: Date,
  renewBeforeMs: number,
): Promise<Map<string, PushChannelView[]>> {
  const rows = await em.find(
    WebhookChannelSchema,
    { integrationId: { $in: integrationIds } },
    { orderBy: { createdAt: "asc" } },
  );
  const byIntegration = new Map<string, PushChannelView[]>();
  for (const row of rows) {
    const expiresAt = row.expiresAt?.getTime() ?? 0;
    const state =
      row.status === "failed"
        ? "failed"
        : expiresAt <= now.getTime()
          ? "expired"
          : expiresAt - now.getTime() <= renewBeforeMs
            ? "expiring"
            : "active";
    const views = byIntegration.get(row.integrationId) ?? [];
    views.push({
      calendarId: row.providerCalendarId ?? "",
      state,
      ...(row.expiresAt ? { expiresAt: row.expiresAt } : {}),
      failedRenewals: row.renewalFailures,
      ...(row.lastNotificationAt ? { lastNotificationAt: row.lastNotificationAt } : {}),
      lastError: row.lastError ?? "",
    });
    byIntegration.set(row.integrationId, views);
  }
  return byIntegration;
}
