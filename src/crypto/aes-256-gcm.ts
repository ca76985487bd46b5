import { Buffer } from "node:buffer";
import { addon, type NativeKey } from "./native-addon.js";

/**
 * AES-256-GCM with a key set up once (native/aes_256_gcm.c says why not
 * node:crypto). Sealed format: iv (12 random bytes) | tag (16) | ciphertext,
 * the same as node:crypto's createCipheriv gives, so either reads the other.
 */
export type AesGcmKey = NativeKey<"aes-256-gcm">;

/** iv (12) and tag (16) before the ciphertext, which is as long as the plaintext. */
const SEALED_OVERHEAD = 28;

export const aes256Gcm = {
  createKey: (key: Buffer): AesGcmKey => addon.createGcmKey(key),
  /** iv | tag | ciphertext, in a Buffer from Node's pool (cheap for a short record). */
  seal(key: AesGcmKey, plaintext: string, associatedData: string): Buffer {
    const sealed = Buffer.allocUnsafe(SEALED_OVERHEAD + Buffer.byteLength(plaintext, "utf8"));
    addon.sealInto(key, plaintext, associatedData, sealed);
    return sealed;
  },
  /** The plaintext, or null when the tag does not match (another key or associated data, or altered bytes). */
  open: (key: AesGcmKey, sealed: Buffer, associatedData: string): string | null =>
    addon.open(key, sealed, associatedData),
};
