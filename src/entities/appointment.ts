import { defineEntity, type InferEntity } from "@mikro-orm/core";

export const AppointmentSchema = defineEntity({
  name: "Appointment",
  tableName: "appointments",
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw("gen_random_uuid()"),
    tenantId: p.text(),
    customerName: p.text(),
    customerPhone: p.text(),
    customerEmail: p.text().nullable(),
    title: p.string().length(255),
    description: p.text().nullable(),
    serviceType: p.text().nullable(),
    startTime: p.datetime().columnType("timestamptz"),
    endTime: p.datetime().columnType("timestamptz"),
    status: p.text().default("pending"),
    address: p.text().nullable(),
    latitude: p.double().nullable().$type<number | null>(),
    longitude: p.double().nullable().$type<number | null>(),
    estimatedCost: p.decimal("string").precision(12).scale(2).nullable().$type<string | null>(),
    notes: p.text().nullable(),
    version: p.integer().default(1),
    cancellationReason: p.text().nullable(),
    cancellationNotes: p.text().nullable(),
    cancelledAt: p.datetime().columnType("timestamptz").nullable(),
    cancelledBy: p.text().nullable(),
    idempotencyKey: p.text().nullable(),
    provider: p.text().nullable(),
    externalEventId: p.text().nullable(),
    syncStatus: p.text().default("not_required"),
    syncError: p.text().nullable(),
    createdBy: p.text(),
    createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
    updatedAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
  }),
});

export type Appointment = InferEntity<typeof AppointmentSchema>;
