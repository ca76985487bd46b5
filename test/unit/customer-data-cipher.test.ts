import { describe, expect, it } from "vitest";
import { FieldDecryptionError, TenantDataKey } from "../../src/crypto/customer-data-cipher.js";
import { KeyUnwrapError, LocalKeyProvider } from "../../src/crypto/key-provider.js";

const material = Buffer.alloc(32, 4);

describe("TenantDataKey", () => {
  it("opens what it sealed only for the same tenant, row and column", () => {
    const key = new TenantDataKey("tenant-a", 1, material);
    const sealed = key.seal("Dana Customer", { rowId: "row-1", column: "customer_name" });
    expect(sealed.toString("latin1")).not.toContain("Dana");
    expect(key.open(sealed, { rowId: "row-1", column: "customer_name" })).toBe("Dana Customer");
    expect(() => key.open(sealed, { rowId: "row-2", column: "customer_name" })).toThrow(FieldDecryptionError);
    expect(() => key.open(sealed, { rowId: "row-1", column: "notes" })).toThrow(FieldDecryptionError);
    // Same key material under another tenant's name still refuses (the tenant is bound too).
    const other = new TenantDataKey("tenant-b", 1, material);
    expect(() => other.open(sealed, { rowId: "row-1", column: "customer_name" })).toThrow(FieldDecryptionError);
    const altered = Buffer.from(sealed);
    altered[altered.length - 1]! ^= 1;
    expect(() => key.open(altered, { rowId: "row-1", column: "customer_name" })).toThrow(FieldDecryptionError);
  });

  it("keeps any text exactly, multi-byte characters included", () => {
    const key = new TenantDataKey("tenant-a", 1, material);
    for (const text of ["", "José Müller-Ødegård", "山田 太郎 📞 +81 3-1234-5678", "é".repeat(5000)]) {
      const binding = { rowId: "row-1", column: "customer_data" };
      expect(key.open(key.seal(text, binding), binding)).toBe(text);
    }
  });

  it("indexes equal values alike within a key, differently across keys and kinds", () => {
    const key = new TenantDataKey("tenant-a", 1, material);
    const phone = key.blindIndex("phone", "+15551234567");
    expect(key.blindIndex("phone", "+15551234567")).toEqual(phone);
    expect(key.blindIndex("email", "+15551234567")).not.toEqual(phone);
    expect(new TenantDataKey("tenant-a", 2, Buffer.alloc(32, 5)).blindIndex("phone", "+15551234567")).not.toEqual(
      phone,
    );
  });
});

describe("LocalKeyProvider", () => {
  it("unwraps only under the master and context it wrapped with; retired masters still unwrap", async () => {
    const old = new LocalKeyProvider("m1", { m1: Buffer.alloc(32, 1) });
    const wrapped = await old.wrap(material, "tenant-a:1");
    const rotated = new LocalKeyProvider("m2", { m1: Buffer.alloc(32, 1), m2: Buffer.alloc(32, 2) });
    expect(await rotated.unwrap(wrapped, "m1", "tenant-a:1")).toEqual(material);
    await expect(rotated.unwrap(wrapped, "m1", "tenant-b:1")).rejects.toBeInstanceOf(KeyUnwrapError);
    await expect(rotated.unwrap(wrapped, "m2", "tenant-a:1")).rejects.toBeInstanceOf(KeyUnwrapError);
    await expect(rotated.unwrap(wrapped, "m9", "tenant-a:1")).rejects.toBeInstanceOf(KeyUnwrapError);
  });
});
