import type { Caller } from "../../domain/caller.js";
import { CalendarIntegrationSchema } from "../../entities/calendar-integration.js";
import { ProviderError } from "../../providers/kit/provider-error.js";
import type { IncomingWebhook, WebhookNotice } from "../../providers/kit/webhook-verifier.js";
import { integrationOfChannel } from "../channels/channel-ids.js";
import type { AppContext } from "../context.js";
import { requestIntegrationSync } from "../sync/request-integration-sync.js";

/** Why a push was refused; the ingress answers 401, 400 or 404 and nothing changed. */
export class WebhookRejected extends Error {
  constructor(
    readonly reason: "unauthenticated" | "malformed" | "unknown_provider",
    message: string,
  ) {
    super(message);
  }
}

/** How long a push for an unknown channel waits before the channel is judged an orphan. */
const ORPHAN_CHECK_DELAY_MS = 5_000;

export type WebhookReceipt =
  | { kind: "answer"; contentType: string; body: string }
  /** How many syncs the push queued (0 when it coalesced into a waiting one). */
  | { kind: "accepted"; syncsQueued: number };

/**
 * One provider push: the provider's own verifier checks it (pure, no I/O),
 * then each notice only records that the channel is alive and queues work:
 * a coalesced incremental sync, or a channel task. Nothing slow runs here, so
 * the answer goes back within the providers' deadlines (Jobber: 1 s), and a
 * replayed or duplicate push only meets a sync already waiting.
 */
export async function receiveWebhook(
  ctx: AppContext,
  _caller: Caller,
  input: { provider: string; webhook: IncomingWebhook },
): Promise<WebhookReceipt> {
  const verifier = ctx.providers.find(input.provider)?.capabilities.webhooks;
  if (!verifier) throw new WebhookRejected("unknown_provider", `no webhooks for ${input.provider}`);
  let outcome;
  try {
    outcome = verifier.verify(input.webhook);
  } catch (error) {
    if (error instanceof ProviderError && error.kind === "bad_request")
      throw new WebhookRejected("malformed", error.message);
    if (error instanceof ProviderError) throw new WebhookRejected("unauthenticated", error.message);
    throw error;
  }
  if (outcome.kind === "answer") return outcome;
  let syncsQueued = 0;
  for (const notice of outcome.notices) {
    const integrationIds = notice.channelId
      ? await onChannelNotice(ctx, input.provider, notice, notice.channelId)
      : await integrationsOfAccount(ctx, input.provider, notice.accountId);
    for (const integrationId of integrationIds) {
      if (await requestIntegrationSync(ctx, { integrationId })) syncsQueued++;
    }
  }
  return { kind: "accepted", syncsQueued };
}

/** Records the notification on its channel; answers the integrations to sync. */
async function onChannelNotice(
  ctx: AppContext,
  provider: string,
  notice: WebhookNotice,
  channelId: string,
): Promise<string[]> {
  // One statement finds the channel and records that it is alive.
  const [channel] = await ctx.orm.em.fork().execute<{ id: string; integration_id: string }[]>(
    `update webhook_channels set last_notification_at = ? where channel_id = ? and provider = ?
       returning id, integration_id`,
    [ctx.clock.now(), channelId, provider],
    "all",
  );
  if (!channel) {
    const integrationId = integrationOfChannel(channelId);
    // A new channel's first message can beat the row that records it: that one is never an orphan.
    const orphan = notice.event !== "channel_confirmed" && notice.event !== "subscription_removed";
    if (integrationId && notice.providerChannelId && orphan) {
      await ctx.jobs.send(
        "push-channel",
        { action: "stop_orphan", provider, integrationId, channelId, providerChannelId: notice.providerChannelId },
        // Held back so a channel being opened right now is recorded before the check.
        { coalesceKey: `stop:${channelId}`, delayMs: ORPHAN_CHECK_DELAY_MS },
      );
    }
    return [];
  }
  switch (notice.event) {
    case "channel_confirmed":
      return [];
    case "reauthorization_required":
      await ctx.jobs.send("push-channel", { action: "renew", channelRowId: channel.id }, { coalesceKey: channel.id });
      return [];
    case "subscription_removed":
      await ctx.jobs.send("push-channel", { action: "replace", channelRowId: channel.id }, { coalesceKey: channel.id });
      // Changes made while no subscription existed are only found by reading.
      return [channel.integration_id];
    case "changed":
    case "missed":
      return [channel.integration_id];
  }
}

/** Field-service pushes name the provider's account id, stored as the integration's account identity. */
async function integrationsOfAccount(
  ctx: AppContext,
  provider: string,
  accountId: string | undefined,
): Promise<string[]> {
  if (!accountId) return [];
  const integrations = await ctx.orm.em
    .fork()
    .find(CalendarIntegrationSchema, { provider, accountEmail: accountId, status: "active" }, { fields: ["id"] });
  return integrations.map((integration) => integration.id);
}
