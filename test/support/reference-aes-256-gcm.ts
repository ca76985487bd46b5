import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from "node:crypto";

/**
 * AES-256-GCM through node:crypto in the addon's sealed format (iv | tag |
 * ciphertext): the independent reference the addon's tests hold it to, and
 * the bench's baseline.
 */
export function referenceSeal(key: Buffer | KeyObject, plaintext: string, associatedData: string): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(associatedData, "utf8"));
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** Throws when the tag does not match. */
export function referenceOpen(key: Buffer | KeyObject, sealed: Buffer, associatedData: string): string {
  const decipher = createDecipheriv("aes-256-gcm", key, sealed.subarray(0, 12));
  decipher.setAAD(Buffer.from(associatedData, "utf8"));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString("utf8");
}
