import { defineEntity, type InferEntity } from "@mikro-orm/core";

/**
 * A booking as stored. Customers' personal data (cancellation notes
 * included) sits only in customerDataEnc, one record sealed under the
 * tenant's data key version piiKeyVersion (null when the tenant's keys were
 * destroyed); phone and email are found through their keyed blind
 * indexes. app/appointments/appointment-record.ts is the one place that
 * seals and opens it.
 */
export const AppointmentSchema = defineEntity({
  name: "Appointment",
  tableName: "appointments",
  properties: (p) => ({
    id: p.uuid().primary().defaultRaw("gen_random_uuid()"),
    tenantId: p.text(),
    customerDataEnc: p.blob().nullable(),
    customerPhoneIndex: p.blob().nullable(),
    customerEmailIndex: p.blob().nullable(),
    piiKeyVersion: p.integer().nullable(),
    customerDataErasedAt: p.datetime().columnType("timestamptz").nullable(),
    customerId: p.text().nullable(),
    leadId: p.text().nullable(),
    conversationId: p.text().nullable(),
    urgency: p.text().default("normal"),
    estimatedDurationMinutes: p.integer().nullable(),
    timezone: p.text().nullable(),
    title: p.string().length(255),
    jobType: p.text().nullable(),
    startTime: p.datetime().columnType("timestamptz"),
    endTime: p.datetime().columnType("timestamptz"),
    status: p.text().default("pending"),
    latitude: p.double().nullable().$type<number | null>(),
    longitude: p.double().nullable().$type<number | null>(),
    estimatedCost: p.decimal("string").precision(12).scale(2).nullable().$type<string | null>(),
    version: p.integer().default(1),
    cancellationReason: p.text().nullable(),
    cancelledAt: p.datetime().columnType("timestamptz").nullable(),
    cancelledBy: p.text().nullable(),
    idempotencyKey: p.text().nullable(),
    provider: p.text().nullable(),
    externalEventId: p.text().nullable(),
    syncStatus: p.text().default("not_required"),
    syncError: p.text().nullable(),
    calendarConflict: p.text().nullable(),
    createdBy: p.text(),
    createdAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
    updatedAt: p.datetime().columnType("timestamptz").defaultRaw("now()"),
    technicianId: p.uuid().nullable(),
    holdToken: p.text().nullable(),
    expiresAt: p.datetime().columnType("timestamptz").nullable(),
  }),
});

export type Appointment = InferEntity<typeof AppointmentSchema>;
