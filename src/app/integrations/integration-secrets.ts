import type { TokenCipher } from "../../crypto/token-cipher.js";

/**
 * What each encrypted column of calendar_integrations holds. The column name
 * is part of the associated data, so a value moved to another column (or row,
 * or tenant) no longer decrypts.
 */
export type IntegrationSecret = "access_token" | "refresh_token" | "app_password" | "api_key";

export function sealIntegrationSecret(
  cipher: TokenCipher,
  integration: { tenantId: string; id: string },
  purpose: IntegrationSecret,
  plaintext: string,
): string {
  return cipher.encrypt(plaintext, { tenantId: integration.tenantId, recordId: integration.id, purpose });
}

export function openIntegrationSecret(
  cipher: TokenCipher,
  integration: { tenantId: string; id: string },
  purpose: IntegrationSecret,
  ciphertext: string,
): string {
  return cipher.decrypt(ciphertext, { tenantId: integration.tenantId, recordId: integration.id, purpose });
}
