import { CalendarIntegrationSchema } from "../../entities/calendar-integration.js";
import { WebhookChannelSchema } from "../../entities/webhook-channel.js";
import type { AppContext } from "../context.js";
import { callPushChannels } from "./push-channel-call.js";

/**
 * A verified push named a channel we do not track (replaced, or left over
 * from a disconnect whose stop failed): stop it with the integration's
 * credentials, from the ids the push carried. Nothing to do when the
 * integration is gone too: the channel lapses at its expiry.
 */
export async function stopOrphanChannel(
  ctx: AppContext,
  input: { integrationId: string; channelId: string; providerChannelId: string },
): Promise<void> {
  const em = ctx.orm.em.fork();
  if (await em.findOne(WebhookChannelSchema, { channelId: input.channelId })) return;
  const integration = await em.findOne(CalendarIntegrationSchema, { id: input.integrationId });
  if (!integration || integration.status !== "active") return;
  await callPushChannels(ctx, integration.id, (credentials, channels) =>
    channels.close(credentials, { channelId: input.channelId, providerChannelId: input.providerChannelId }),
  );
  ctx.logger.info({ integrationId: integration.id }, "orphan push channel stopped");
}
