import { Buffer } from "node:buffer";
import fc from "fast-check";
import { loadConfig } from "../../src/config.js";
import { describe, expect, it } from "vitest";
import { TokenCipher, TokenDecryptionError, type SecretBinding } from "../../src/crypto/token-cipher.js";

const masterKey = Buffer.alloc(32, 9);
const binding: SecretBinding = { tenantId: "tenant-a", recordId: "integration-1", purpose: "refresh_token" };

describe("TokenCipher", () => {
  it("round-trips any text and never contains the plaintext", () => {
    const cipher = new TokenCipher("v1", { v1: masterKey });
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (plaintext) => {
        const sealed = cipher.encrypt(plaintext, binding);
        expect(sealed.startsWith("v1:")).toBe(true);
        if (plaintext.length >= 4) expect(sealed).not.toContain(plaintext);
        expect(cipher.decrypt(sealed, binding)).toBe(plaintext);
      }),
    );
  });

  it("uses a fresh IV: the same secret encrypts differently each time", () => {
    const cipher = new TokenCipher("v1", { v1: masterKey });
    expect(cipher.encrypt("secret", binding)).not.toBe(cipher.encrypt("secret", binding));
  });

  it("refuses a ciphertext copied to another tenant, integration or column", () => {
    const cipher = new TokenCipher("v1", { v1: masterKey });
    const sealed = cipher.encrypt("ya29.secret-access-token", binding);
    for (const other of [
      { ...binding, tenantId: "tenant-b" },
      { ...binding, recordId: "integration-2" },
      { ...binding, purpose: "access_token" },
    ]) {
      expect(() => cipher.decrypt(sealed, other)).toThrow(TokenDecryptionError);
    }
  });

  it("refuses a tampered ciphertext and an unknown key version", () => {
    const cipher = new TokenCipher("v1", { v1: masterKey });
    const sealed = cipher.encrypt("secret", binding);
    const body = Buffer.from(sealed.slice(3), "base64url");
    body[body.length - 1] = (body[body.length - 1] ?? 0) ^ 1;
    expect(() => cipher.decrypt(`v1:${body.toString("base64url")}`, binding)).toThrow(TokenDecryptionError);
    expect(() => cipher.decrypt(sealed.replace(/^v1:/, "v9:"), binding)).toThrow(/unknown key version/);
    expect(() => cipher.decrypt("v1:AAAA", binding)).toThrow(/too short/);
  });

  it("derives different keys per tenant: another master key cannot read it", () => {
    const sealed = new TokenCipher("v1", { v1: masterKey }).encrypt("secret", binding);
    expect(() => new TokenCipher("v1", { v1: Buffer.alloc(32, 1) }).decrypt(sealed, binding)).toThrow(
      TokenDecryptionError,
    );
  });

  it("rotates the master key: old rows still decrypt and are flagged for re-encryption", () => {
    const oldCipher = new TokenCipher("v1", { v1: masterKey });
    const oldSealed = oldCipher.encrypt("old-secret", binding);
    const rotated = new TokenCipher("v2", { v1: masterKey, v2: Buffer.alloc(32, 2) });
    expect(rotated.decrypt(oldSealed, binding)).toBe("old-secret");
    expect(rotated.needsReencryption(oldSealed)).toBe(true);
    const newSealed = rotated.encrypt("new-secret", binding);
    expect(newSealed.startsWith("v2:")).toBe(true);
    expect(rotated.needsReencryption(newSealed)).toBe(false);
    expect(() => oldCipher.decrypt(newSealed, binding)).toThrow(/unknown key version/);
  });

  it("rotates through the environment: the new key writes, the previous one still reads", () => {
    const base = { NODE_ENV: "test", TOKEN_ENCRYPTION_KEY: masterKey.toString("base64") };
    const before = TokenCipher.fromConfig(loadConfig(base));
    const oldSealed = before.encrypt("old-secret", binding);
    const after = TokenCipher.fromConfig(
      loadConfig({
        ...base,
        TOKEN_ENCRYPTION_KEY: Buffer.alloc(32, 5).toString("base64"),
        TOKEN_ENCRYPTION_KEY_VERSION: "v2",
        TOKEN_ENCRYPTION_PREVIOUS_KEYS: `v1:${masterKey.toString("base64")}`,
      }),
    );
    expect(after.decrypt(oldSealed, binding)).toBe("old-secret");
    expect(after.encrypt("new", binding).startsWith("v2:")).toBe(true);
    expect(() =>
      loadConfig({ ...base, TOKEN_ENCRYPTION_KEY_VERSION: "v2", TOKEN_ENCRYPTION_PREVIOUS_KEYS: "v1:short" }),
    ).toThrow(/TOKEN_ENCRYPTION_PREVIOUS_KEYS/);
  });

  it("rejects malformed key configurations", () => {
    expect(() => new TokenCipher("v1", { v1: Buffer.alloc(16) })).toThrow(/32 bytes/);
    expect(() => new TokenCipher("v2", { v1: masterKey })).toThrow(/current version/);
    expect(() => new TokenCipher("key1", { key1: masterKey })).toThrow(/v1/);
  });
});
