import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import type { AppContext } from "../context.js";
import { connectWithLogin } from "../integrations/connect-with-login.js";
import { connectFieldServiceWithApiKey } from "../field-service/connect-field-service.js";
import type { IntegrationView } from "../integrations/integration-view.js";
import { startOAuth } from "../integrations/start-oauth.js";

export interface ConnectCalendarInput {
  tenantId: string;
  provider: string;
  appleCredentials?: { appleId: string; appSpecificPassword: string };
  /** Field-service platforms (Jobber, HouseCall Pro): the seed's credentials and time zone. */
  fieldServiceCredentials?: { apiKey: string; subdomain: string; companyId: string };
  timeZone?: string;
}

export type ConnectCalendarResult =
  | { kind: "authorize"; authorizationUrl: string; state: string; expiresInSeconds: number }
  | { kind: "connected"; integration: IntegrationView; syncId: string };

/**
 * Connects a calendar provider by the login its connector takes: OAuth
 * providers answer the URL to send the user to (completeOAuth finishes),
 * Basic-auth providers (Apple) are verified and connected at once, and so
 * are field-service platforms given an API key (Jobber without one takes its
 * OAuth app flow).
 */
export async function connectCalendar(
  ctx: AppContext,
  caller: Caller,
  input: ConnectCalendarInput,
): Promise<ConnectCalendarResult> {
  const provider = ctx.providers.find(input.provider);
  if (!provider?.capabilities.busyTime)
    throw new InvalidArgumentError("provider", `${input.provider} is not a calendar provider`);
  if (
    provider.capabilities.fieldServiceJobs &&
    (input.fieldServiceCredentials || provider.connector.auth === "api_key")
  ) {
    const credentials = input.fieldServiceCredentials;
    if (!credentials?.apiKey.trim()) throw new InvalidArgumentError("credentials.api_key", "required");
    const connected = await connectFieldServiceWithApiKey(ctx, caller, {
      tenantId: input.tenantId,
      provider: provider.name,
      apiKey: credentials.apiKey,
      subdomain: credentials.subdomain,
      companyId: credentials.companyId,
      ...(input.timeZone !== undefined ? { timeZone: input.timeZone } : {}),
    });
    return { kind: "connected", integration: connected.integration, syncId: connected.syncId };
  }
  const connector = provider.connector;
  switch (connector.auth) {
    case "oauth":
      return {
        kind: "authorize",
        ...(await startOAuth(ctx, caller, { tenantId: input.tenantId, provider: provider.name, connector })),
      };
    case "basic": {
      const appleId = input.appleCredentials?.appleId.trim() ?? "";
      const password = input.appleCredentials?.appSpecificPassword.trim() ?? "";
      if (!appleId) throw new InvalidArgumentError("apple_credentials.apple_id", "required");
      if (!password) throw new InvalidArgumentError("apple_credentials.app_specific_password", "required");
      const connected = await connectWithLogin(ctx, caller, {
        tenantId: input.tenantId,
        provider,
        connector,
        username: appleId,
        password,
      });
      return { kind: "connected", ...connected };
    }
    case "api_key":
      throw new InvalidArgumentError("provider", `${input.provider} does not connect through ConnectCalendar`);
  }
}
