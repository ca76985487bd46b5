import type { ApiKeyConnector, OAuthConnector, ProviderAccount } from "../../kit/connector.js";
import type { ProviderDefinition } from "../../kit/provider-definition.js";
import { scheduleAsBusyTime } from "../field-service-busy-time.js";
import type { FieldServiceCredentials } from "../field-service-provider.js";
import { JobberOAuth } from "./jobber-oauth.js";
import { JobberProvider } from "./jobber-provider.js";
import { JobberWebhookVerifier } from "./jobber-webhooks.js";

export interface JobberDefinitionSettings {
  clientId: string;
  clientSecret: string;
  /** https://api.getjobber.com/api/graphql */
  graphqlUrl: string;
  /** https://api.getjobber.com/api/oauth */
  oauthBaseUrl: string;
  /** Signs webhooks; Jobber signs with the app's client secret when none is set apart. */
  webhookSecret: string;
  /** Per request (PROVIDER_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
}

/** The GraphQL schema version every request names (X-JOBBER-GRAPHQL-VERSION). */
export const JOBBER_GRAPHQL_VERSION = "2025-04-16";

/**
 * Jobber: the OAuth app flow (no PKCE documented: the challenge is not sent;
 * refresh tokens rotate) and, as the seed connects it, an API key sent as the
 * bearer token. Its scheduled visits are busy time; jobs are its capability.
 */
export const jobber: ProviderDefinition<JobberDefinitionSettings> = {
  name: "jobber",
  connector: "oauth",
  alsoConnectsWith: ["api_key"],
  create(settings) {
    const api = new JobberProvider({
      graphqlUrl: settings.graphqlUrl,
      graphqlVersion: JOBBER_GRAPHQL_VERSION,
      requestTimeoutMs: settings.requestTimeoutMs,
      defaultRegion: "US",
    });
    const oauth = new JobberOAuth(settings);
    const accountOf = async (credentials: FieldServiceCredentials): Promise<ProviderAccount> => {
      const account = await api.getAccount(credentials);
      return { email: account.id, name: account.name };
    };
    const connector: OAuthConnector = {
      auth: "oauth",
      authorizationUrl: ({ state, redirectUri }) => oauth.authorizationUrl({ state, redirectUri }),
      exchangeCode: ({ code, redirectUri }) => oauth.exchangeCode({ code, redirectUri }),
      refresh: (refreshToken) => oauth.refresh(refreshToken),
      getAccount: accountOf,
      // Jobber documents no token revocation endpoint: the user disconnects the app in Jobber.
      revoke: async () => false,
    };
    const apiKeyConnector: ApiKeyConnector = { auth: "api_key", verify: accountOf };
    return {
      name: "jobber",
      connector,
      apiKeyConnector,
      capabilities: {
        fieldServiceJobs: api,
        busyTime: scheduleAsBusyTime(api, "Jobber schedule"),
        webhooks: new JobberWebhookVerifier(settings.webhookSecret || settings.clientSecret),
      },
      // The seed's budget, inside Jobber's own request guard (2,500 requests / 5 minutes per app and account).
      outboundLimit: { requests: 500, perMs: 60_000 },
    };
  },
};
