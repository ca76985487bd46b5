import { describe, expect, it } from "vitest";
import { validateChanges, type CurrentAppointment } from "../../src/domain/appointments/appointment-changes.js";
import { FailedPreconditionError, InvalidArgumentError } from "../../src/domain/errors.js";

const NOW = new Date("2030-06-01T12:00:00Z");
const A = "5b2f7f3e-2f0c-4a55-9a3e-0c1f6f1d2a01";
const B = "9c6e1d2a-7b4f-4e8a-8f21-3d5c7a9b0e02";
const current = (overrides: Partial<CurrentAppointment> = {}): CurrentAppointment => ({
  status: "confirmed",
  start: new Date("2030-06-10T09:00:00Z"),
  end: new Date("2030-06-10T10:00:00Z"),
  technicianId: A,
  ...overrides,
});

describe("validateChanges: technician", () => {
  it("reassigns to another technician, its id normalized, without moving", () => {
    expect(validateChanges(current(), { technicianId: ` ${B.toUpperCase()} ` }, NOW)).toEqual({
      values: { technicianId: B },
      moved: false,
      reassigned: true,
    });
  });

  it('"" makes a technician\'s appointment business-wide; the same technician is no change', () => {
    expect(validateChanges(current(), { technicianId: "" }, NOW)).toMatchObject({
      values: { technicianId: null },
      reassigned: true,
    });
    expect(validateChanges(current(), { technicianId: A }, NOW)).toEqual({
      values: {},
      moved: false,
      reassigned: false,
    });
    expect(validateChanges(current({ technicianId: null }), { technicianId: "" }, NOW).reassigned).toBe(false);
  });

  it("refuses a malformed id, naming the field, and an appointment that has started", () => {
    expect(() => validateChanges(current(), { technicianId: "tess" }, NOW)).toThrow(InvalidArgumentError);
    expect(() => validateChanges(current(), { technicianId: "tess" }, NOW)).toThrow(/technician_id/);
    expect(() => validateChanges(current({ status: "in_progress" }), { technicianId: B }, NOW)).toThrow(
      FailedPreconditionError,
    );
    expect(() => validateChanges(current({ status: "in_progress" }), { technicianId: A }, NOW)).not.toThrow();
  });
});
