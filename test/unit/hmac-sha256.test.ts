import { createHmac, randomBytes } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aes256Gcm } from "../../src/crypto/aes-256-gcm.js";
import { hmacSha256 } from "../../src/crypto/hmac-sha256.js";

// node:crypto's createHmac is the reference: blind indexes stored before the addon must still match.
describe("hmacSha256 (native addon)", () => {
  it("gives node:crypto's HMAC-SHA256 for any key and message, one key reused across many messages", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 100 }).map((bytes) => Buffer.from(bytes)),
        fc.array(fc.string({ unit: "grapheme", maxLength: 200 }), { minLength: 1, maxLength: 10 }),
        (raw, messages) => {
          const key = hmacSha256.createKey(raw);
          for (const message of messages) {
            expect(hmacSha256.digest(key, message)).toEqual(createHmac("sha256", raw).update(message, "utf8").digest());
          }
        },
      ),
      { numRuns: 300 },
    );
    const key = hmacSha256.createKey(Buffer.alloc(32, 9));
    const long = "+1555".repeat(2_000);
    expect(hmacSha256.digest(key, long)).toEqual(createHmac("sha256", Buffer.alloc(32, 9)).update(long).digest());
  });

  it("refuses keys of the other kind and arguments of the wrong kind", () => {
    const key = hmacSha256.createKey(randomBytes(32));
    const gcmKey = aes256Gcm.createKey(randomBytes(32));
    expect(() => hmacSha256.digest(gcmKey as unknown as typeof key, "x")).toThrow(/not an HMAC key/);
    expect(() => aes256Gcm.seal(key as unknown as typeof gcmKey, "x", "y")).toThrow(/not a key/);
    expect(() => aes256Gcm.open(key as unknown as typeof gcmKey, Buffer.alloc(40), "y")).toThrow(/not a key/);
    expect(() => hmacSha256.createKey(Buffer.alloc(0))).toThrow(/non-empty/);
    expect(() => hmacSha256.digest(key, 5 as unknown as string)).toThrow(/string/);
  });
});
