import type { Client } from "@microsoft/microsoft-graph-client";
import type { ProviderCredentials } from "../../kit/connector.js";
import { ProviderError } from "../../kit/provider-error.js";
import { loadGraphSdk } from "./graph-sdk.js";

/**
 * One Graph client per call, carrying that call's token. The chain is only
 * authentication + fetch: the default chain's RetryHandler would retry 429/503
 * on its own, and retries are decided in one place (app/integrations/provider-retry-policy.ts).
 */
export async function graphClientFor(graphBaseUrl: string, credentials: ProviderCredentials): Promise<Client> {
  if (credentials.kind !== "oauth") {
    throw new ProviderError("microsoft", "unauthorized", "Microsoft needs OAuth credentials");
  }
  const accessToken = credentials.accessToken;
  const graph = await loadGraphSdk();
  return graph.Client.initWithMiddleware({
    baseUrl: `${graphBaseUrl}/`,
    defaultVersion: "v1.0",
    // The client drops the Authorization header for hosts it does not know as Graph.
    customHosts: new Set([new URL(graphBaseUrl).hostname]),
    middleware: [
      new graph.AuthenticationHandler({ getAccessToken: async () => accessToken }),
      new graph.HTTPMessageHandler(),
    ],
  });
}
