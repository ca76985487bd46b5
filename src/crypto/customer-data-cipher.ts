import { Buffer } from "node:buffer";
import { hkdfSync, randomBytes } from "node:crypto";
import { aes256Gcm, type AesGcmKey } from "./aes-256-gcm.js";
import { hmacSha256, type HmacKey } from "./hmac-sha256.js";

/**
 * Field-level encryption of customers' personal data under a tenant's data
 * key (one version of it). From the key's 32 random bytes HKDF derives two
 * independent keys: one for AES-256-GCM, one for the blind index (HMAC).
 * Every ciphertext's associated data names the tenant, the row and the
 * column, so a ciphertext copied to another tenant, row or column fails.
 * Format: iv (12) | tag (16) | ciphertext.
 */
export interface FieldBinding {
  rowId: string;
  /** Column (or stored object) the value belongs to. */
  column: string;
}

export class FieldDecryptionError extends Error {
  override name = "FieldDecryptionError";
}

const HKDF_SALT = Buffer.from("universal-calendar/customer-data/v1");

export class TenantDataKey {
  private readonly encryptionKey: AesGcmKey;
  private readonly indexKey: HmacKey;

  constructor(
    readonly tenantId: string,
    readonly version: number,
    material: Buffer,
  ) {
    if (material.length !== 32) throw new Error("a tenant data key is 32 bytes");
    // The derived bytes live on only inside the addon's OpenSSL contexts.
    const encryptionKey = Buffer.from(hkdfSync("sha256", material, HKDF_SALT, "field-encryption", 32));
    const indexKey = Buffer.from(hkdfSync("sha256", material, HKDF_SALT, "blind-index", 32));
    this.encryptionKey = aes256Gcm.createKey(encryptionKey);
    this.indexKey = hmacSha256.createKey(indexKey);
    encryptionKey.fill(0);
    indexKey.fill(0);
  }

  /** 32 fresh random bytes for a new key version. */
  static generateMaterial(): Buffer {
    return randomBytes(32);
  }

  seal(plaintext: string, binding: FieldBinding): Buffer {
    return aes256Gcm.seal(this.encryptionKey, plaintext, this.associatedData(binding));
  }

  open(sealed: Buffer, binding: FieldBinding): string {
    const plaintext = aes256Gcm.open(this.encryptionKey, sealed, this.associatedData(binding));
    if (plaintext === null) {
      throw new FieldDecryptionError(
        `${binding.column} does not belong to this tenant, row and column, or was altered`,
      );
    }
    return plaintext;
  }

  /**
   * Keyed blind index of an already normalised value: equal values of one
   * tenant (and key version) index alike, nobody without the key can test a
   * guess, and two tenants' indexes of one value differ.
   */
  blindIndex(kind: "phone" | "email", normalised: string): Buffer {
    return hmacSha256.digest(this.indexKey, `${kind}\u0000${normalised}`);
  }

  private associatedData(binding: FieldBinding): string {
    // A JSON array: no two different bindings serialise alike.
    return JSON.stringify([this.tenantId, binding.rowId, binding.column]);
  }
}
