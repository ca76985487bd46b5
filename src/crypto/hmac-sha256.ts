import { Buffer } from "node:buffer";
import { addon, type NativeKey } from "./native-addon.js";

/** HMAC-SHA256 with a key set up once (native/hmac_sha256.c says why not node:crypto's createHmac). */
export type HmacKey = NativeKey<"hmac-sha256">;

export const hmacSha256 = {
  createKey: (key: Buffer): HmacKey => addon.createHmacKey(key),
  /** The 32-byte HMAC of message's UTF-8, in a Buffer from Node's pool. */
  digest(key: HmacKey, message: string): Buffer {
    const digest = Buffer.allocUnsafe(32);
    addon.hmacInto(key, message, digest);
    return digest;
  },
};
