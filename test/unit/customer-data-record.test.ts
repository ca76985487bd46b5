import { describe, expect, it } from "vitest";
import { openAppointment, sealCustomerData, type CustomerData } from "../../src/app/appointments/appointment-record.js";
import type { TenantKeyRing } from "../../src/app/customer-data/tenant-key-ring.js";
import { TenantDataKey } from "../../src/crypto/customer-data-cipher.js";
import type { Appointment } from "../../src/entities/appointment.js";

const material = Buffer.alloc(32, 7);
const tenantA = new TenantDataKey("tenant-a", 1, material);
// Same key material under another tenant's name: only the bound tenant tells them apart.
const tenantB = new TenantDataKey("tenant-b", 1, material);

/** A key ring holding one key per tenant (version 1). */
const ring = {
  version: async (tenantId: string) => ({ "tenant-a": tenantA, "tenant-b": tenantB })[tenantId],
} as unknown as TenantKeyRing;

const data: CustomerData = {
  customerName: "Dana Customer",
  customerPhone: "+15551234567",
  customerEmail: "dana@example.test",
  address: "1 Main St",
  description: "Sink",
  notes: "Gate code 4411",
  cancellationNotes: "Moved away",
};

function row(tenantId: string, id: string, customerDataEnc: Buffer): Appointment {
  return { id, tenantId, customerDataEnc, piiKeyVersion: 1, customerDataErasedAt: null } as unknown as Appointment;
}

describe("the sealed customer record", () => {
  const sealed = sealCustomerData(tenantA, "row-1", data).customerDataEnc as Buffer;

  it("holds every personal field, cancellation notes included, in one ciphertext that shows none of them", async () => {
    for (const value of Object.values(data)) expect(sealed.toString("latin1")).not.toContain(value);
    expect(await openAppointment(ring, row("tenant-a", "row-1", sealed))).toMatchObject({
      ...data,
      customerDataStatus: "available",
    });
  });

  it("copied to another row or another tenant, opens as unreadable with every field empty", async () => {
    for (const copy of [row("tenant-a", "row-2", sealed), row("tenant-b", "row-1", sealed)]) {
      expect(await openAppointment(ring, copy)).toMatchObject({
        customerDataStatus: "unreadable",
        customerName: "",
        customerPhone: "",
        notes: null,
        cancellationNotes: null,
      });
    }
  });

  it("refuses a ciphertext sealed for another column of the same row", async () => {
    const notesOnly = tenantA.seal(JSON.stringify(data), { rowId: "row-1", column: "notes" });
    expect((await openAppointment(ring, row("tenant-a", "row-1", notesOnly))).customerDataStatus).toBe("unreadable");
  });
});
