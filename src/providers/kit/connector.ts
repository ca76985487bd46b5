/**
 * How a provider is logged in to, apart from what it can do once connected.
 * An adapter's connector and its capabilities may be the same object.
 */

/**
 * Secrets an adapter needs for one call; decrypted by the caller, never
 * stored by adapters. `pace`, when the caller sets it, is awaited by the
 * adapter before every HTTP request it sends: the integration's outbound
 * budget, shared by every server instance (app/integrations/outbound-rate-limit.ts).
 */
export type ProviderCredentials = (
  | { kind: "oauth"; accessToken: string }
  | { kind: "basic"; username: string; password: string }
  | { kind: "api_key"; apiKey: string }
) & { pace?: () => Promise<void> };

export interface TokenSet {
  accessToken: string;
  /** Absent when the provider did not rotate it: keep the old one. */
  refreshToken?: string;
  expiresAt: Date;
  scope?: string;
}

export interface ProviderAccount {
  /** The account's identity: the email for calendars, the platform's account/company id for field service. */
  email: string;
  /** A display name where the provider has one (the company name of a field-service account). */
  name?: string;
  /** IANA zone, where the provider reports one. */
  timeZone?: string;
}

/** OAuth 2 authorization code flow with PKCE (Google, Microsoft, Jobber). */
export interface OAuthConnector {
  readonly auth: "oauth";
  authorizationUrl(params: { state: string; codeChallenge: string; redirectUri: string }): string;
  exchangeCode(params: { code: string; codeVerifier: string; redirectUri: string }): Promise<TokenSet>;
  refresh(refreshToken: string): Promise<TokenSet>;
  /** The connected account, read with a fresh access token. */
  getAccount(credentials: ProviderCredentials): Promise<ProviderAccount>;
  /** Best effort; false when the provider has no revocation or could not be reached. */
  revoke(token: string): Promise<boolean>;
}

/** A login and password (Apple: Apple ID + app-specific password). */
export interface BasicConnector {
  readonly auth: "basic";
  /** Checks the login; throws ProviderError("unauthorized") on bad credentials. */
  verify(credentials: Extract<ProviderCredentials, { kind: "basic" }>): Promise<ProviderAccount>;
}

/** An API key or bearer token the user pastes (HouseCall Pro; Jobber's API key, sent as the bearer token). */
export interface ApiKeyConnector {
  readonly auth: "api_key";
  /** Checks the key; throws ProviderError("unauthorized") on a bad key. */
  verify(credentials: Extract<ProviderCredentials, { kind: "api_key" }>): Promise<ProviderAccount>;
}

export type Connector = OAuthConnector | BasicConnector | ApiKeyConnector;
export type ConnectorKind = Connector["auth"];
