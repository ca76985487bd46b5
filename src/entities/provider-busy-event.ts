import { defineEntity, type InferEntity } from "@mikro-orm/core";

/**
 * The local mirror of provider busy time. Stores what the availability engine
 * needs to judge an event: all-day dates, status, transparency, response.
 */
export const ProviderBusyEventSchema = defineEntity({
  name: "ProviderBusyEvent",
  tableName: "provider_busy_events",
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw("gen_random_uuid()"),
    tenantId: p.text(),
    integrationId: p.uuid(),
    calendarId: p.uuid(),
    providerEventId: p.text(),
    startTime: p.datetime().columnType("timestamptz"),
    endTime: p.datetime().columnType("timestamptz"),
    allDay: p.boolean().default(false),
    startDate: p.date().nullable(),
    endDate: p.date().nullable(),
    status: p.text().default("confirmed"),
    transparent: p.boolean().default(false),
    responseStatus: p.text().nullable(),
    title: p.text().nullable(),
    etag: p.text().nullable(),
    appointmentId: p.text().nullable(),
    updatedAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
  }),
});

export type ProviderBusyEvent = InferEntity<typeof ProviderBusyEventSchema>;
