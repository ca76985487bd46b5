import { createHash, randomBytes } from "node:crypto";

/** 256 random bits, URL-safe: the state and the PKCE verifier. */
export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Only this hash of a state is stored, so a database reader cannot complete someone's flow. */
export function hashState(state: string): string {
  return createHash("sha256").update(state, "utf8").digest("hex");
}

/** RFC 7636 S256 code challenge. */
export function pkceChallengeOf(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

export const OAUTH_STATE_TTL_SECONDS = 600;

export const PKCE_VERIFIER_PURPOSE = "pkce_verifier";
