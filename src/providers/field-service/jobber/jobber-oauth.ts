import { decodeJwt } from "jose";
import type { TokenSet } from "../../kit/connector.js";
import { ProviderError } from "../../kit/provider-error.js";
import type { FieldServiceOAuth } from "../field-service-provider.js";
import { parseRetryAfter } from "../../kit/retry-after.js";

export interface JobberOAuthSettings {
  clientId: string;
  clientSecret: string;
  /** https://api.getjobber.com/api/oauth (authorize and token live under it). */
  oauthBaseUrl: string;
  /** Per request (PROVIDER_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
}

/** Jobber's access tokens last 60 minutes; used only when the answer carries neither expires_in nor a JWT exp. */
const DEFAULT_LIFETIME_SECONDS = 3600;

interface TokenAnswer {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  error?: string;
  error_description?: string;
}

/**
 * Jobber's app flow (developer.getjobber.com, App Authorization): redirect to
 * /authorize with client_id, redirect_uri, response_type=code and state; the
 * code comes back with the state; /token takes it with the client secret.
 * With refresh-token rotation (on by default, required for published apps)
 * every refresh answers a new refresh token and the old one stops working:
 * the caller must store the one returned.
 */
export class JobberOAuth implements FieldServiceOAuth {
  constructor(private readonly settings: JobberOAuthSettings) {}

  authorizationUrl(params: { state: string; redirectUri: string }): string {
    const url = new URL(`${this.settings.oauthBaseUrl}/authorize`);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("client_id", this.settings.clientId);
    url.searchParams.set("redirect_uri", params.redirectUri);
    url.searchParams.set("state", params.state);
    return url.toString();
  }

  exchangeCode(params: { code: string; redirectUri: string }): Promise<TokenSet> {
    return this.token({ grant_type: "authorization_code", code: params.code, redirect_uri: params.redirectUri });
  }

  refresh(refreshToken: string): Promise<TokenSet> {
    return this.token({ grant_type: "refresh_token", refresh_token: refreshToken });
  }

  private async token(grant: Record<string, string>): Promise<TokenSet> {
    const body = new URLSearchParams({
      client_id: this.settings.clientId,
      client_secret: this.settings.clientSecret,
      ...grant,
    });
    let response: Response;
    try {
      response = await fetch(`${this.settings.oauthBaseUrl}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
        body,
        signal: AbortSignal.timeout(this.settings.requestTimeoutMs),
      });
    } catch (error) {
      throw new ProviderError("jobber", "unavailable", `token endpoint unreachable: ${(error as Error).message}`);
    }
    const answer = (await response.json().catch(() => ({}))) as TokenAnswer;
    if (!response.ok || !answer.access_token) throw tokenFailure(response, answer);
    return {
      accessToken: answer.access_token,
      refreshToken: answer.refresh_token,
      expiresAt: new Date(Date.now() + lifetimeSeconds(answer) * 1000),
    };
  }
}

function lifetimeSeconds(answer: TokenAnswer): number {
  if (typeof answer.expires_in === "number") return answer.expires_in;
  try {
    const exp = decodeJwt(answer.access_token ?? "").exp;
    if (exp) return Math.max(0, exp - Math.floor(Date.now() / 1000));
  } catch {
    // Not a JWT: fall through to the documented lifetime.
  }
  return DEFAULT_LIFETIME_SECONDS;
}

function tokenFailure(response: Response, answer: TokenAnswer): ProviderError {
  const detail = `${response.status} ${answer.error ?? ""}`.trim();
  if (answer.error === "invalid_grant")
    return new ProviderError("jobber", "invalid_grant", `token refused (${detail})`, undefined, response.status);
  if (response.status === 429) {
    return new ProviderError(
      "jobber",
      "rate_limited",
      `token endpoint throttled (${detail})`,
      parseRetryAfter(response.headers.get("retry-after")),
      429,
    );
  }
  if (response.status >= 500)
    return new ProviderError("jobber", "unavailable", `token endpoint failed (${detail})`, undefined, response.status);
  if (response.status === 401 || answer.error === "invalid_client") {
    return new ProviderError("jobber", "unauthorized", `client refused (${detail})`, undefined, response.status);
  }
  return new ProviderError("jobber", "bad_request", `token request refused (${detail})`, undefined, response.status);
}
