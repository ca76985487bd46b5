import { create, equals, toBinary, toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AppointmentSchema } from "../../gen/universalcalendar/v1/appointment_pb.js";
import type { AppointmentRecord } from "../../src/app/appointments/appointment-record.js";
import { appointmentToProto } from "../../src/rpc/appointment-mapping.js";

/**
 * appointmentToProto builds the message as a literal instead of through
 * create(): whatever a record holds, the literal must be the very message
 * create() makes of the same fields, on the wire and in JSON.
 */
const text = fc.string({ maxLength: 12 });
const orNull = <T>(value: fc.Arbitrary<T>) => fc.option(value, { nil: null });
const instant = fc.date({
  min: new Date("2000-01-01T00:00:00Z"),
  max: new Date("2100-01-01T00:00:00Z"),
  noInvalidDate: true,
});

const record: fc.Arbitrary<AppointmentRecord> = fc.record({
  id: fc.uuid(),
  tenantId: text,
  customerDataErasedAt: orNull(instant),
  customerId: orNull(text),
  leadId: orNull(text),
  conversationId: orNull(text),
  urgency: fc.constantFrom("normal", "high", "emergency", "unknown"),
  estimatedDurationMinutes: orNull(fc.integer({ min: 0, max: 10_000 })),
  timezone: orNull(text),
  title: text,
  jobType: orNull(text),
  startTime: instant,
  endTime: instant,
  status: fc.constantFrom("scheduled", "confirmed", "cancelled", "completed", "held", "other"),
  latitude: orNull(fc.double({ noNaN: true, min: -90, max: 90 })),
  longitude: orNull(fc.double({ noNaN: true, min: -180, max: 180 })),
  estimatedCost: orNull(fc.constantFrom("0", "120.50", "99")),
  version: fc.integer({ min: 1, max: 1_000_000 }),
  cancellationReason: orNull(fc.constantFrom("customer_request", "cancelled_in_calendar", "other")),
  cancelledAt: orNull(instant),
  cancelledBy: orNull(text),
  idempotencyKey: orNull(text),
  provider: orNull(fc.constantFrom("google", "microsoft", "apple", "jobber", "housecall_pro")),
  externalEventId: orNull(text),
  syncStatus: fc.constantFrom("pending", "synced", "failed", "not_synced", "other"),
  syncError: orNull(text),
  calendarConflict: orNull(text),
  createdBy: text,
  createdAt: instant,
  updatedAt: instant,
  technicianId: orNull(fc.constantFrom("", "tech-1", "tech-2")),
  holdToken: orNull(text),
  expiresAt: orNull(instant),
  customerName: text,
  customerPhone: text,
  customerEmail: orNull(text),
  address: orNull(text),
  description: orNull(text),
  notes: orNull(text),
  cancellationNotes: orNull(text),
  customerDataStatus: fc.constantFrom("available", "erased", "unreadable"),
}) as fc.Arbitrary<AppointmentRecord>;

describe("appointmentToProto", () => {
  it("is the message create() makes of the same fields: same bytes, same JSON, equal", () => {
    fc.assert(
      fc.property(record, (row) => {
        const literal = appointmentToProto(row);
        const { $typeName: _typeName, ...fields } = literal;
        const created = create(AppointmentSchema, fields);
        expect(created).not.toBe(literal);
        expect(Buffer.from(toBinary(AppointmentSchema, literal))).toEqual(
          Buffer.from(toBinary(AppointmentSchema, created)),
        );
        expect(toJson(AppointmentSchema, literal, { alwaysEmitImplicit: true })).toEqual(
          toJson(AppointmentSchema, created, { alwaysEmitImplicit: true }),
        );
        expect(equals(AppointmentSchema, literal, created)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
