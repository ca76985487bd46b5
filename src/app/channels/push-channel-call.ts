import type { ProviderCredentials } from "../../providers/kit/connector.js";
import type { PushChannelSource } from "../../providers/kit/push-channels.js";
import type { AppContext } from "../context.js";
import { callProvider } from "../integrations/provider-call.js";

/** A provider call through the integration's push-channel capability. */
export function callPushChannels<T>(
  ctx: AppContext,
  integrationId: string,
  call: (credentials: ProviderCredentials, channels: PushChannelSource) => Promise<T>,
): Promise<T> {
  return callProvider(ctx, integrationId, (credentials, provider) => {
    const channels = provider.capabilities.pushChannels;
    if (!channels) throw new Error(`${provider.name} has no push channels`);
    return call(credentials, channels);
  });
}

/** Change notifications and Graph lifecycle notifications of a provider arrive here. */
export function webhookAddress(ctx: AppContext, provider: string): string {
  return `${ctx.settings.publicBaseUrl}/webhooks/${provider}`;
}
