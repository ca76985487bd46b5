import { createHash, hash, timingSafeEqual } from "node:crypto";
import { errors as joseErrors, jwtVerify } from "jose";
import type { Caller } from "../domain/caller.js";

export type CredentialCheck = { ok: true; caller: Caller } | { ok: false; reason: string };

/**
 * Checks presented service keys against one expected key in constant time:
 * hashing first makes the lengths equal too. The expected key is hashed once.
 */
export function serviceKeyMatcher(expected: string): (presented: string) => boolean {
  const expectedDigest = createHash("sha256").update(expected).digest();
  // One-shot hash: no Hash object per call.
  return (presented) => timingSafeEqual(hash("sha256", presented, "buffer"), expectedDigest);
}

/**
 * A stable, non-secret name for a service key in audit rows: a keyed digest
 * cut to 16 hex characters, which tells keys apart without revealing them.
 */
export function serviceKeyId(key: string): string {
  return createHash("sha256").update(`universal-calendar/service-key-id\u0000${key}`).digest("hex").slice(0, 16);
}

export async function verifyTenantJwt(token: string, secret: Uint8Array): Promise<CredentialCheck> {
  try {
    const { payload } = await jwtVerify(token, secret, {
      algorithms: ["HS256"],
      requiredClaims: ["exp"],
    });
    const tenantId = payload.tenantId;
    if (typeof tenantId !== "string" || tenantId.length === 0) {
      return { ok: false, reason: "token has no tenantId claim" };
    }
    return { ok: true, caller: { kind: "tenant", tenantId, subject: payload.sub ?? tenantId } };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) return { ok: false, reason: "token expired" };
    return { ok: false, reason: "invalid token" };
  }
}
