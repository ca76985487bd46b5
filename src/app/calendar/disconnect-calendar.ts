import { recordAudit } from "../shared/audit.js";
import type { Caller } from "../../domain/caller.js";
import { CalendarIntegrationSchema } from "../../entities/calendar-integration.js";
import { IntegrationCalendarSchema } from "../../entities/integration-calendar.js";
import { ProviderBusyEventSchema } from "../../entities/provider-busy-event.js";
import type { AppContext } from "../context.js";
import { closeChannels } from "../channels/close-channels.js";
import { findIntegration } from "../integrations/find-integration.js";
import { openIntegrationSecret } from "../integrations/integration-secrets.js";

/**
 * Revokes the grant where the provider allows it (best effort), then forgets
 * the tokens, the calendars and the mirrored busy time in one transaction.
 */
export async function disconnectCalendar(
  ctx: AppContext,
  caller: Caller,
  input: { integrationId: string; tenantFilter: string | undefined },
): Promise<{ revoked: boolean }> {
  const integration = await findIntegration(ctx.orm.em.fork(), input.integrationId, input.tenantFilter);
  // Channels are stopped with the grant that opened them: before it is revoked.
  await closeChannels(ctx, integration.id);
  const provider = ctx.providers.oauth(integration.provider);
  let revoked = false;
  // Revoking the refresh token ends the whole grant at Google; the access token is the fallback.
  const sealed = integration.refreshTokenEncrypted
    ? { purpose: "refresh_token" as const, value: integration.refreshTokenEncrypted }
    : integration.accessTokenEncrypted
      ? { purpose: "access_token" as const, value: integration.accessTokenEncrypted }
      : undefined;
  if (provider && sealed) {
    try {
      revoked = await provider.revoke(openIntegrationSecret(ctx.cipher, integration, sealed.purpose, sealed.value));
    } catch (error) {
      ctx.logger.warn({ integrationId: integration.id, err: (error as Error).message }, "token revocation failed");
    }
  }
  await ctx.orm.em.fork().transactional(async (tx) => {
    const where = { tenantId: integration.tenantId, integrationId: integration.id };
    await tx.nativeDelete(ProviderBusyEventSchema, where);
    await tx.nativeDelete(IntegrationCalendarSchema, where);
    await tx.nativeDelete(CalendarIntegrationSchema, { tenantId: integration.tenantId, id: integration.id });
    recordAudit(tx, {
      tenantId: integration.tenantId,
      caller,
      action: "calendar_integration.disconnected",
      entityType: "calendar_integration",
      entityId: integration.id,
      changes: { provider: integration.provider, revoked },
    });
  });
  return { revoked };
}
