import type { Buffer } from "node:buffer";
import { createRequire } from "node:module";

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

// The same relative place from src/crypto and dist/src/crypto: npm run build copies the addon into dist/build.
const ADDON_PATH = "../../build/Release/customer_data_crypto.node";

function loadAddon(): CustomerDataCryptoAddon {
  try {
    return createRequire(import.meta.url)(ADDON_PATH) as CustomerDataCryptoAddon;
  } catch (error) {
    throw new Error(
      "the customer_data_crypto addon (build/Release/customer_data_crypto.node) did not load: run npm install, which builds it",
      { cause: error },
    );
  }
}

export const addon: CustomerDataCryptoAddon = loadAddon();
