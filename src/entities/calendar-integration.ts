import { defineEntity, type InferEntity } from "@mikro-orm/core";

export interface AccountSettings {
  companyId?: string;
  subdomain?: string;
  /** IANA zone the business schedules in, as given or as the platform reports it. */
  timeZone?: string;
}

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
    /** How this row was connected when not by the provider's usual login (Jobber: "api_key"); null: the usual one. */
    loginKind: p.text().nullable(),
    /** The company name a field-service platform reports. */
    accountName: p.text().nullable(),
    /** What the user gave when connecting (HouseCall Pro company id and time zone, Jobber subdomain). */
    accountSettings: p.json<AccountSettings>().default("{}"),
    /** bidirectional, from_provider (read only) or to_provider (write only). */
    syncDirection: p.text().default("bidirectional"),
    syncEnabled: p.boolean().default(true),
    lastSyncedAt: p.datetime().columnType("timestamptz").nullable(),
    createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
    updatedAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
  }),
});

export type CalendarIntegration = InferEntity<typeof CalendarIntegrationSchema>;
