import type { Caller } from "../../domain/caller.js";
import { PermissionDeniedError } from "../../domain/errors.js";
import type { ProviderCalendarInfo } from "../../providers/calendar/calendar-provider.js";
import type { Provider } from "../../providers/kit/provider-definition.js";
import type { BasicConnector } from "../../providers/kit/connector.js";
import type { AppContext } from "../context.js";
import { startFirstSync } from "./first-sync.js";
import type { IntegrationView } from "./integration-view.js";
import { connectFailureOf } from "./provider-failure.js";
import { saveConnectedAccount } from "./save-integration.js";

/**
 * The Basic-auth connect flow (Apple): verifies the login by discovery and
 * connects at once, then starts a full sync; bad credentials store nothing.
 */
export async function connectWithLogin(
  ctx: AppContext,
  caller: Caller,
  input: { tenantId: string; provider: Provider; connector: BasicConnector; username: string; password: string },
): Promise<{ integration: IntegrationView; syncId: string }> {
  const name = input.provider.name;
  const credentials = { kind: "basic" as const, username: input.username, password: input.password };
  // The login is what later Basic-auth calls need, so it is the account stored.
  const accountEmail = input.username;
  let calendars: ProviderCalendarInfo[];
  try {
    await input.connector.verify(credentials);
    calendars = (await input.provider.capabilities.busyTime?.listCalendars(credentials)) ?? [];
  } catch (error) {
    throw connectFailureOf(error, name, {
      kinds: ["unauthorized", "forbidden"],
      error: () => new PermissionDeniedError(`${name} refused these credentials`),
    });
  }
  const integration = await ctx.orm.em.fork().transactional(async (tx) =>
    saveConnectedAccount(tx, ctx.cipher, {
      tenantId: input.tenantId,
      provider: name,
      accountEmail,
      credentials: { kind: "basic", password: input.password },
      calendars,
      caller,
      now: ctx.clock.now(),
    }),
  );
  return startFirstSync(ctx, integration);
}
