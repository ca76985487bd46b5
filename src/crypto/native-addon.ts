import type { Buffer } from "node:buffer";
import { loadAddon } from "../native/load-addon.js";

/**
 * The customer_data_crypto addon (native/, built by npm install): AES-256-GCM
 * and HMAC-SHA256 through the OpenSSL inside Node with keys set up once.
 * Only aes-256-gcm.ts and hmac-sha256.ts use it.
 */
declare const nativeKey: unique symbol;
/** A key held by the addon (its OpenSSL context), of one kind; freed when the object is collected. */
export interface NativeKey<Kind extends string> {
  readonly [nativeKey]: Kind;
}

export interface CustomerDataCryptoAddon {
  createGcmKey(key: Buffer): NativeKey<"aes-256-gcm">;
  /** Writes iv | tag | ciphertext into out, exactly 28 bytes longer than the plaintext's UTF-8. */
  sealInto(key: NativeKey<"aes-256-gcm">, plaintext: string, associatedData: string, out: Buffer): void;
  /** null when the tag does not match. */
  open(key: NativeKey<"aes-256-gcm">, sealed: Buffer, associatedData: string): string | null;
  createHmacKey(key: Buffer): NativeKey<"hmac-sha256">;
  /** Writes the HMAC of the message's UTF-8 into out (32 bytes). */
  hmacInto(key: NativeKey<"hmac-sha256">, message: string, out: Buffer): void;
}

export const addon = loadAddon<CustomerDataCryptoAddon>("customer_data_crypto");
