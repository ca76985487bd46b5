import { createHmac, timingSafeEqual } from "node:crypto";

/** HMAC-SHA256 of data under secret. */
export function hmacSha256(secret: string, data: string | Buffer): Buffer {
  return createHmac("sha256", secret).update(data).digest();
}

/** Constant-time equality of a received signature with the expected bytes; false for anything malformed. */
export function signatureMatches(expected: Buffer, received: string | undefined, encoding: "base64" | "hex"): boolean {
  if (!received) return false;
  const given = Buffer.from(received.trim(), encoding);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * The secret of one push channel (Google channel token, Graph clientState),
 * derived from our channel id: each channel has its own, and checking one
 * needs no lookup.
 */
export function channelSecret(secret: string, channelId: string): string {
  return hmacSha256(secret, `push-channel:${channelId}`).toString("base64url");
}

/** Constant-time equality of two secrets given as text. */
export function sameSecret(expected: string, received: string | undefined): boolean {
  if (received === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(received);
  return a.length === b.length && timingSafeEqual(a, b);
}
