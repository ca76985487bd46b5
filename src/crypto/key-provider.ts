import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * Wraps and unwraps tenants' data keys under a master key that never leaves
 * it. The local implementation holds the master in memory (from config); a
 * KMS (AWS KMS Encrypt/Decrypt with an encryption context, GCP KMS with
 * additional authenticated data) fits the same three members.
 */
export interface KeyProvider {
  /** Names the master key new wraps are made under; stored beside each wrapped key. */
  readonly currentMasterKeyId: string;
  /** `context` is bound to the wrap: unwrapping with another context fails. */
  wrap(dataKey: Buffer, context: string): Promise<Buffer>;
  unwrap(wrapped: Buffer, masterKeyId: string, context: string): Promise<Buffer>;
}

export class KeyUnwrapError extends Error {
  override name = "KeyUnwrapError";
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** AES-256-GCM key wrapping under master keys held in memory, by id (current and retired). */
export class LocalKeyProvider implements KeyProvider {
  private readonly masters: ReadonlyMap<string, Buffer>;

  constructor(
    readonly currentMasterKeyId: string,
    masters: Record<string, Buffer>,
  ) {
    for (const [id, key] of Object.entries(masters)) {
      if (key.length !== 32) throw new Error(`master key ${id} must be 32 bytes`);
    }
    if (!masters[currentMasterKeyId]) throw new Error(`no master key ${currentMasterKeyId}`);
    this.masters = new Map(Object.entries(masters));
  }

  async wrap(dataKey: Buffer, context: string): Promise<Buffer> {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.master(this.currentMasterKeyId), iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  async unwrap(wrapped: Buffer, masterKeyId: string, context: string): Promise<Buffer> {
    const decipher = createDecipheriv("aes-256-gcm", this.master(masterKeyId), wrapped.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(wrapped.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(wrapped.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      throw new KeyUnwrapError(`data key does not unwrap under master key ${masterKeyId} for ${context}`);
    }
  }

  private master(id: string): Buffer {
    const key = this.masters.get(id);
    if (!key) throw new KeyUnwrapError(`unknown master key ${id}`);
    return key;
  }
}
