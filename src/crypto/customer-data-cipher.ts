import { Buffer } from "node:buffer";
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from "node:crypto";

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

const IV_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_SALT = Buffer.from("universal-calendar/customer-data/v1");

export class TenantDataKey {
  // KeyObjects, not Buffers: node:crypto validates a raw key on every cipher it makes (measured
  // 5-10x the cost of a short field's whole decryption).
  private readonly encryptionKey: KeyObject;
  private readonly indexKey: KeyObject;

  constructor(
    readonly tenantId: string,
    readonly version: number,
    material: Buffer,
  ) {
    if (material.length !== 32) throw new Error("a tenant data key is 32 bytes");
    this.encryptionKey = createSecretKey(Buffer.from(hkdfSync("sha256", material, HKDF_SALT, "field-encryption", 32)));
    this.indexKey = createSecretKey(Buffer.from(hkdfSync("sha256", material, HKDF_SALT, "blind-index", 32)));
  }

  /** 32 fresh random bytes for a new key version. */
  static generateMaterial(): Buffer {
    return randomBytes(32);
  }

  seal(plaintext: string, binding: FieldBinding): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.encryptionKey, iv);
    cipher.setAAD(this.associatedData(binding));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer, binding: FieldBinding): string {
    if (sealed.length < IV_BYTES + TAG_BYTES) throw new FieldDecryptionError("ciphertext too short");
    const decipher = createDecipheriv("aes-256-gcm", this.encryptionKey, sealed.subarray(0, IV_BYTES));
    decipher.setAAD(this.associatedData(binding));
    decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      // final() checks the tag before anything is returned; decoding as it goes saves a copy per row.
      return decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES), undefined, "utf8") + decipher.final("utf8");
    } catch {
      throw new FieldDecryptionError(
        `${binding.column} does not belong to this tenant, row and column, or was altered`,
      );
    }
  }

  /**
   * Keyed blind index of an already normalised value: equal values of one
   * tenant (and key version) index alike, nobody without the key can test a
   * guess, and two tenants' indexes of one value differ.
   */
  blindIndex(kind: "phone" | "email", normalised: string): Buffer {
    return createHmac("sha256", this.indexKey).update(`${kind}\u0000${normalised}`, "utf8").digest();
  }

  private associatedData(binding: FieldBinding): Buffer {
    // A JSON array: no two different bindings serialise alike.
    return Buffer.from(JSON.stringify([this.tenantId, binding.rowId, binding.column]), "utf8");
  }
}
