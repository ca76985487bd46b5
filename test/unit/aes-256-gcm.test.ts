import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aes256Gcm } from "../../src/crypto/aes-256-gcm.js";
import { referenceOpen, referenceSeal } from "../support/reference-aes-256-gcm.js";

const keyBytes = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes));
// Well-formed text only: the record sealed is always a JavaScript string of JSON.
const text = fc.string({ unit: "grapheme", maxLength: 300 });

// node:crypto is the independent reference: what the addon seals is standard AES-256-GCM,
// readable without it, and it reads what node:crypto seals.
describe("aes256Gcm (native addon)", () => {
  it("seals what node:crypto opens and opens what node:crypto seals, any text and associated data", () => {
    fc.assert(
      fc.property(keyBytes, text, text, (raw, plaintext, associatedData) => {
        const key = aes256Gcm.createKey(raw);
        const sealed = aes256Gcm.seal(key, plaintext, associatedData);
        expect(sealed.length).toBe(28 + Buffer.byteLength(plaintext));
        expect(referenceOpen(raw, sealed, associatedData)).toBe(plaintext);
        expect(aes256Gcm.open(key, referenceSeal(raw, plaintext, associatedData), associatedData)).toBe(plaintext);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses any altered byte, other associated data or another key, and opens the next record after a refusal", () => {
    const raw = randomBytes(32);
    const key = aes256Gcm.createKey(raw);
    const sealed = aes256Gcm.seal(key, '{"customerName":"Dana"}', '["t","r","customer_data"]');
    for (let i = 0; i < sealed.length; i++) {
      const altered = Buffer.from(sealed);
      altered[i]! ^= 0x01;
      expect(aes256Gcm.open(key, altered, '["t","r","customer_data"]')).toBeNull();
      expect(aes256Gcm.open(key, sealed, '["t","r","customer_data"]')).toBe('{"customerName":"Dana"}');
    }
    expect(aes256Gcm.open(key, sealed, '["t","r2","customer_data"]')).toBeNull();
    expect(aes256Gcm.open(aes256Gcm.createKey(randomBytes(32)), sealed, '["t","r","customer_data"]')).toBeNull();
    expect(aes256Gcm.open(key, sealed.subarray(0, 27), '["t","r","customer_data"]')).toBeNull();
    expect(aes256Gcm.open(key, sealed.subarray(0, sealed.length - 1), '["t","r","customer_data"]')).toBeNull();
  });

  it("uses a fresh random IV for every seal", () => {
    const key = aes256Gcm.createKey(randomBytes(32));
    const ivs = new Set<string>();
    for (let i = 0; i < 10_000; i++) ivs.add(aes256Gcm.seal(key, "same", "same").subarray(0, 12).toString("hex"));
    expect(ivs.size).toBe(10_000);
  });

  it("handles records larger than its stack scratch, and empty ones", () => {
    const raw = randomBytes(32);
    const key = aes256Gcm.createKey(raw);
    for (const plaintext of ["", "ü".repeat(3000), "x".repeat(200_000)]) {
      const associatedData = "a".repeat(plaintext.length % 7_000);
      const sealed = aes256Gcm.seal(key, plaintext, associatedData);
      expect(referenceOpen(raw, sealed, associatedData)).toBe(plaintext);
      expect(aes256Gcm.open(key, sealed, associatedData)).toBe(plaintext);
    }
  });

  it("throws (never crashes) on arguments of the wrong kind", () => {
    const key = aes256Gcm.createKey(randomBytes(32));
    expect(() => aes256Gcm.createKey(randomBytes(16))).toThrow(/32 bytes/);
    expect(() => aes256Gcm.createKey("k" as unknown as Buffer)).toThrow(/32 bytes/);
    expect(() => aes256Gcm.seal({} as typeof key, "x", "y")).toThrow(/not a key/);
    expect(() => aes256Gcm.seal(key, 1 as unknown as string, "y")).toThrow(/string/);
    expect(() => aes256Gcm.seal(key, "x", 2 as unknown as string)).toThrow(/strings/);
    expect(() => aes256Gcm.open(key, "x" as unknown as Buffer, "y")).toThrow(/Buffer/);
    expect(() => aes256Gcm.open(key, Buffer.alloc(40), 2 as unknown as string)).toThrow(/string/);
  });
});
