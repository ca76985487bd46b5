import { WebhookChannelSchema } from "../../entities/webhook-channel.js";
import type { AppContext } from "../context.js";
import { closeChannel } from "./maintain-channels.js";

/** Stops every push channel of an integration (before a disconnect forgets its credentials). */
export async function closeChannels(ctx: AppContext, integrationId: string): Promise<void> {
  const channels = await ctx.orm.em.fork().find(WebhookChannelSchema, { integrationId });
  for (const channel of channels) await closeChannel(ctx, channel);
}
