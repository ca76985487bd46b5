import { defineEntity, type InferEntity } from "@mikro-orm/core";

/** A provider push-notification subscription (Google channel, Graph subscription). */
export const WebhookChannelSchema = defineEntity({
  name: "WebhookChannel",
  tableName: "webhook_channels",
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw("gen_random_uuid()"),
    tenantId: p.text(),
    integrationId: p.uuid(),
    provider: p.text(),
    channelId: p.text(),
    resourceId: p.text().nullable(),
    expiresAt: p.datetime().columnType("timestamptz").nullable(),
    createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
  }),
});

export type WebhookChannel = InferEntity<typeof WebhookChannelSchema>;
