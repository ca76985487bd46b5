import { defineEntity, type InferEntity } from "@mikro-orm/core";

/** A provider push-notification subscription (Google channel, Graph subscription) on one calendar. */
export const WebhookChannelSchema = defineEntity({
  name: "WebhookChannel",
  tableName: "webhook_channels",
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw("gen_random_uuid()"),
    tenantId: p.text(),
    integrationId: p.uuid(),
    provider: p.text(),
    /** Our id for the channel; it starts with the integration id (see app/channels/channel-ids.ts). */
    channelId: p.text(),
    /** The provider's id (Google resourceId, Graph subscription id). */
    resourceId: p.text().nullable(),
    /** The expiry the provider answered. */
    expiresAt: p.datetime().columnType("timestamptz").nullable(),
    /** integration_calendars.id */
    calendarId: p.uuid().nullable(),
    providerCalendarId: p.text().nullable(),
    /** "active", or "failed" once renewing kept failing (the backstop sync still covers the calendar). */
    status: p.text().default("active"),
    renewalFailures: p.integer().default(0),
    lastError: p.text().nullable(),
    renewedAt: p.datetime().columnType("timestamptz").nullable(),
    lastNotificationAt: p.datetime().columnType("timestamptz").nullable(),
    createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
  }),
});

export type WebhookChannel = InferEntity<typeof WebhookChannelSchema>;
