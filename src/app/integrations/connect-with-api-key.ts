import type { Caller } from "../../domain/caller.js";
import { PermissionDeniedError } from "../../domain/errors.js";
import type { AccountSettings } from "../../entities/calendar-integration.js";
import type { ProviderCalendarInfo } from "../../providers/calendar/calendar-provider.js";
import type { ApiKeyConnector, ProviderAccount } from "../../providers/kit/connector.js";
import type { Provider } from "../../providers/kit/provider-definition.js";
import type { AppContext } from "../context.js";
import { startSyncJob } from "../sync/start-sync-job.js";
import { integrationViews, type IntegrationView } from "./integration-view.js";
import { connectFailureOf } from "./provider-failure.js";
import { saveConnectedAccount } from "./save-integration.js";

export interface ApiKeyConnection {
  tenantId: string;
  provider: Provider;
  connector: ApiKeyConnector;
  apiKey: string;
  /** The account the caller means (HouseCall Pro's company id): the key must belong to it. */
  expectedAccountId?: string;
  /** Kept with the integration; timeZone defaults to the one the provider reports. */
  settings: AccountSettings;
}

/**
 * The API-key connect flow (HouseCall Pro; Jobber's API key): one real call
 * verifies the key and names the account, the key is stored encrypted like
 * OAuth tokens and a full sync starts. A refused key, or a key of another
 * account than the one named, is permission_denied and stores nothing.
 */
export async function connectWithApiKey(
  ctx: AppContext,
  caller: Caller,
  input: ApiKeyConnection,
): Promise<{ integration: IntegrationView; syncId: string; account: ProviderAccount }> {
  const name = input.provider.name;
  const credentials = { kind: "api_key" as const, apiKey: input.apiKey };
  let account: ProviderAccount;
  let calendars: ProviderCalendarInfo[];
  try {
    account = await input.connector.verify(credentials);
    calendars = (await input.provider.capabilities.busyTime?.listCalendars(credentials)) ?? [];
  } catch (error) {
    throw connectFailureOf(error, name, {
      kinds: ["unauthorized", "forbidden"],
      error: () => new PermissionDeniedError(`${name} refused this API key`),
    });
  }
  if (input.expectedAccountId !== undefined && input.expectedAccountId !== account.email) {
    throw new PermissionDeniedError(`this ${name} API key belongs to another company than ${input.expectedAccountId}`);
  }
  const timeZone = input.settings.timeZone ?? account.timeZone;
  const integration = await ctx.orm.em.fork().transactional(async (tx) =>
    saveConnectedAccount(tx, ctx.cipher, {
      tenantId: input.tenantId,
      provider: name,
      accountEmail: account.email,
      credentials: { kind: "api_key", apiKey: input.apiKey },
      ...(input.provider.connector.auth === "api_key" ? {} : { loginKind: "api_key" as const }),
      accountName: account.name ?? "",
      accountSettings: { ...input.settings, ...(timeZone ? { timeZone } : {}) },
      calendars,
      caller,
      now: ctx.clock.now(),
    }),
  );
  const sync = await startSyncJob(ctx, {
    tenantId: input.tenantId,
    integrationId: integration.id,
    provider: name,
    type: "full",
  });
  const [view] = await integrationViews(ctx.orm.em.fork(), [integration]);
  if (!view) throw new Error("integration vanished after commit");
  return { integration: view, syncId: sync.id, account };
}
