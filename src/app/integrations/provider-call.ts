import type { ProviderCredentials } from "../../providers/kit/connector.js";
import type { Provider } from "../../providers/kit/provider-definition.js";
import type { AppContext } from "../context.js";
import { withOutboundBudget } from "./outbound-rate-limit.js";

/**
 * One call to an integration's provider: fresh credentials (refreshed under
 * the row lock when due), the integration's shared request budget, and the
 * one retry policy around the whole attempt.
 */
export function callProvider<T>(
  ctx: Pick<AppContext, "credentials" | "providerRetry" | "outboundRateLimit">,
  integrationId: string,
  call: (credentials: ProviderCredentials, provider: Provider) => Promise<T>,
): Promise<T> {
  return ctx.providerRetry.execute(() =>
    ctx.credentials.use(integrationId, (credentials, provider) =>
      withOutboundBudget(ctx.outboundRateLimit, integrationId, credentials, provider, call),
    ),
  );
}
