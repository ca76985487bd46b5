import { defineEntity, type InferEntity } from "@mikro-orm/core";

/** A connected provider account. Tokens are stored only encrypted (see src/crypto). */
export const CalendarIntegrationSchema = defineEntity({
  name: "CalendarIntegration",
  tableName: "calendar_integrations",
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw("gen_random_uuid()"),
    tenantId: p.text(),
    provider: p.text(),
    accountEmail: p.text().default(""),
    status: p.text().default("active"),
    statusReason: p.text().nullable(),
    accessTokenEncrypted: p.text().nullable(),
    refreshTokenEncrypted: p.text().nullable(),
    tokenExpiresAt: p.datetime().columnType("timestamptz").nullable(),
    scopes: p.text().nullable(),
    /** bidirectional, from_provider (read only) or to_provider (write only). */
    syncDirection: p.text().default("bidirectional"),
    syncEnabled: p.boolean().default(true),
    lastSyncedAt: p.datetime().columnType("timestamptz").nullable(),
    createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
    updatedAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
  }),
});

export type CalendarIntegration = InferEntity<typeof CalendarIntegrationSchema>;
