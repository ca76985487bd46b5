import { defineEntity, type InferEntity } from "@mikro-orm/core";

/** One calendar of a connected account, with its own incremental-sync state. */
export const IntegrationCalendarSchema = defineEntity({
  name: "IntegrationCalendar",
  tableName: "integration_calendars",
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw("gen_random_uuid()"),
    tenantId: p.text(),
    integrationId: p.uuid(),
    providerCalendarId: p.text(),
    name: p.text().default(""),
    timeZone: p.text().nullable(),
    isPrimary: p.boolean().default(false),
    checkConflicts: p.boolean().default(true),
    receivesEvents: p.boolean().default(false),
    syncState: p.text().nullable(),
    lastSyncedAt: p.datetime().columnType("timestamptz").nullable(),
    createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
  }),
});

export type IntegrationCalendar = InferEntity<typeof IntegrationCalendarSchema>;
