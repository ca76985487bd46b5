import type { Caller } from "../../domain/caller.js";
import { InvalidArgumentError } from "../../domain/errors.js";
import { isValidTimeZone } from "../../domain/availability/time-zone.js";
import { optionalText, requireText } from "../../domain/validation.js";
import type { AppContext } from "../context.js";
import { connectWithApiKey } from "../integrations/connect-with-api-key.js";
import type { IntegrationView } from "../integrations/integration-view.js";

export interface FieldServiceApiKeyInput {
  tenantId: string;
  provider: string;
  apiKey: string;
  /** HouseCall Pro: the company the key must belong to. */
  companyId?: string;
  /** Jobber: the account's subdomain, kept with the connection. */
  subdomain?: string;
  timeZone?: string;
}

export interface FieldServiceConnection {
  integration: IntegrationView;
  syncId: string;
  companyName: string;
}

/** Connects a field-service account by API key (Jobber's is sent as the bearer token). */
export async function connectFieldServiceWithApiKey(
  ctx: AppContext,
  caller: Caller,
  input: FieldServiceApiKeyInput,
): Promise<FieldServiceConnection> {
  const provider = ctx.providers.find(input.provider);
  if (!provider?.capabilities.fieldServiceJobs)
    throw new InvalidArgumentError("provider", `${input.provider} is not a field-service provider`);
  const connector = provider.connector.auth === "api_key" ? provider.connector : provider.apiKeyConnector;
  if (!connector) throw new InvalidArgumentError("provider", `${input.provider} does not connect with an API key`);
  const apiKey = requireText("api_key", input.apiKey, 512);
  const companyId = optionalText("company_id", input.companyId, 255) ?? undefined;
  const subdomain = optionalText("subdomain", input.subdomain, 255) ?? undefined;
  const timeZone = optionalText("timezone", input.timeZone, 64) ?? undefined;
  if (timeZone && !isValidTimeZone(timeZone)) throw new InvalidArgumentError("timezone", "not an IANA time zone");
  const connected = await connectWithApiKey(ctx, caller, {
    tenantId: input.tenantId,
    provider,
    connector,
    apiKey,
    ...(companyId ? { expectedAccountId: companyId } : {}),
    settings: {
      ...(companyId ? { companyId } : {}),
      ...(subdomain ? { subdomain } : {}),
      ...(timeZone ? { timeZone } : {}),
    },
  });
  return {
    integration: connected.integration,
    syncId: connected.syncId,
    companyName: connected.account.name ?? "",
  };
}
