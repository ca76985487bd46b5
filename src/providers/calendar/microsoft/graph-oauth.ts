import { ProviderError } from "../../kit/provider-error.js";
import type { TokenSet } from "../../kit/connector.js";
import { parseRetryAfter } from "../../kit/retry-after.js";
import { kindOfStatus } from "./graph-errors.js";

export interface MicrosoftSettings {
  clientId: string;
  clientSecret: string;
  /** https://login.microsoftonline.com/common, or a fake's origin. */
  oauthBaseUrl: string;
  /** https://graph.microsoft.com, or a fake's https origin. */
  graphBaseUrl: string;
  /** Per request (PROVIDER_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
}

/**
 * Narrowest delegated scopes for reading calendars and writing events:
 * Calendars.ReadWrite is the least privilege for creating events (it covers
 * reading calendars and calendarView/delta), User.Read for GET /me (the account
 * email), offline_access for a refresh token.
 */
export const MICROSOFT_SCOPES = ["offline_access", "User.Read", "Calendars.ReadWrite"] as const;

interface TokenResponse {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  scope?: string;
  error?: string;
  error_description?: string;
}

export function authorizationUrl(
  settings: MicrosoftSettings,
  params: { state: string; codeChallenge: string; redirectUri: string },
): string {
  const url = new URL(`${settings.oauthBaseUrl}/oauth2/v2.0/authorize`);
  url.search = new URLSearchParams({
    client_id: settings.clientId,
    response_type: "code",
    redirect_uri: params.redirectUri,
    response_mode: "query",
    scope: MICROSOFT_SCOPES.join(" "),
    state: params.state,
    code_challenge: params.codeChallenge,
    code_challenge_method: "S256",
    prompt: "select_account",
  }).toString();
  return url.toString();
}

/** POSTs a grant to the v2.0 token endpoint; AAD errors become ProviderErrors. */
export async function requestTokens(
  settings: MicrosoftSettings,
  grant: Record<string, string>,
  now = () => new Date(),
): Promise<TokenSet> {
  const body = new URLSearchParams({
    client_id: settings.clientId,
    client_secret: settings.clientSecret,
    scope: MICROSOFT_SCOPES.join(" "),
    ...grant,
  });
  let response: Response;
  try {
    response = await fetch(`${settings.oauthBaseUrl}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body,
      signal: AbortSignal.timeout(settings.requestTimeoutMs),
    });
  } catch (error) {
    throw new ProviderError("microsoft", "unavailable", `token endpoint unreachable: ${(error as Error).message}`);
  }
  const payload = (await response.json().catch(() => ({}))) as TokenResponse;
  if (!response.ok || !payload.access_token) {
    // AAD descriptions carry trace ids, never the grant itself: safe to keep the first line.
    const reason = `${payload.error ?? response.status}: ${(payload.error_description ?? "").split("\r\n")[0]}`;
    if (payload.error === "invalid_grant")
      throw new ProviderError("microsoft", "invalid_grant", reason, undefined, response.status);
    const kind = response.ok ? "unavailable" : kindOfStatus(response.status);
    throw new ProviderError(
      "microsoft",
      kind === "unauthorized" ? "bad_request" : kind,
      `token request failed ${reason}`,
      kind === "rate_limited" ? parseRetryAfter(response.headers.get("retry-after")) : undefined,
      response.status,
    );
  }
  return {
    accessToken: payload.access_token,
    refreshToken: payload.refresh_token,
    expiresAt: new Date(now().getTime() + (payload.expires_in ?? 3600) * 1000),
    scope: payload.scope,
  };
}
