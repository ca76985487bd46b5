import { Buffer } from "node:buffer";
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

/**
 * Encrypts provider secrets at rest: AES-256-GCM under a per-tenant key
 * derived with HKDF-SHA256 from a master key, with the tenant and the record
 * (integration or OAuth state) bound as associated data, so a ciphertext
 * copied to another tenant's or another integration's row fails to decrypt.
 *
 * Format: "<keyVersion>:<base64url(iv | tag | ciphertext)>". The version names
 * the master key, so a new one can be introduced while old rows still decrypt.
 */
export interface SecretBinding {
  tenantId: string;
  /** The row the secret belongs to (integration id, OAuth state id). */
  recordId: string;
  /** What the secret is ("access_token", "refresh_token", ...): a swapped column fails too. */
  purpose: string;
}

export class TokenDecryptionError extends Error {
  override name = "TokenDecryptionError";
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const HKDF_SALT = Buffer.from("universal-calendar/token-cipher/v1");

export class TokenCipher {
  private readonly masterKeys: ReadonlyMap<string, Buffer>;
  private readonly tenantKeys = new Map<string, Buffer>();

  /**
   * @param currentVersion the version new ciphertexts are written under.
   * @param masterKeys every master key still needed to read old rows, by version.
   */
  constructor(
    private readonly currentVersion: string,
    masterKeys: Record<string, Buffer>,
  ) {
    for (const [version, key] of Object.entries(masterKeys)) {
      if (!/^v[0-9]+$/.test(version)) throw new Error(`key version must look like v1, got "${version}"`);
      if (key.length !== 32) throw new Error(`master key ${version} must be 32 bytes`);
    }
    if (!masterKeys[currentVersion]) throw new Error(`no master key for the current version ${currentVersion}`);
    this.masterKeys = new Map(Object.entries(masterKeys));
  }

  /**
   * TOKEN_ENCRYPTION_KEY writes under TOKEN_ENCRYPTION_KEY_VERSION; retired
   * keys (TOKEN_ENCRYPTION_PREVIOUS_KEYS) still read the rows they wrote.
   */
  static fromConfig(keys: {
    tokenEncryptionKey: Buffer;
    tokenEncryptionKeyVersion: string;
    tokenEncryptionPreviousKeys: Record<string, Buffer>;
  }): TokenCipher {
    return new TokenCipher(keys.tokenEncryptionKeyVersion, {
      ...keys.tokenEncryptionPreviousKeys,
      [keys.tokenEncryptionKeyVersion]: keys.tokenEncryptionKey,
    });
  }

  encrypt(plaintext: string, binding: SecretBinding): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.tenantKey(this.currentVersion, binding.tenantId), iv);
    cipher.setAAD(associatedData(binding));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return `${this.currentVersion}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url")}`;
  }

  decrypt(ciphertext: string, binding: SecretBinding): string {
    const separator = ciphertext.indexOf(":");
    const version = separator > 0 ? ciphertext.slice(0, separator) : "";
    if (!this.masterKeys.has(version)) throw new TokenDecryptionError(`unknown key version "${version}"`);
    const raw = Buffer.from(ciphertext.slice(separator + 1), "base64url");
    if (raw.length < IV_BYTES + TAG_BYTES) throw new TokenDecryptionError("ciphertext too short");
    const decipher = createDecipheriv(
      "aes-256-gcm",
      this.tenantKey(version, binding.tenantId),
      raw.subarray(0, IV_BYTES),
    );
    decipher.setAAD(associatedData(binding));
    decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString("utf8");
    } catch {
      throw new TokenDecryptionError("ciphertext does not belong to this tenant and record, or was altered");
    }
  }

  /** True when the value was written under an older master key and should be re-encrypted. */
  needsReencryption(ciphertext: string): boolean {
    return !ciphertext.startsWith(`${this.currentVersion}:`);
  }

  private tenantKey(version: string, tenantId: string): Buffer {
    const cacheKey = `${version}\u0000${tenantId}`;
    let key = this.tenantKeys.get(cacheKey);
    if (!key) {
      const master = this.masterKeys.get(version);
      if (!master) throw new TokenDecryptionError(`unknown key version "${version}"`);
      key = Buffer.from(hkdfSync("sha256", master, HKDF_SALT, `tenant:${tenantId}`, 32));
      this.tenantKeys.set(cacheKey, key);
    }
    return key;
  }
}

function associatedData(binding: SecretBinding): Buffer {
  // Length-prefixed JSON array: no two different bindings serialise alike.
  return Buffer.from(JSON.stringify([binding.tenantId, binding.recordId, binding.purpose]), "utf8");
}
