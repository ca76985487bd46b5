import type { ProviderDefinition } from "../../kit/provider-definition.js";
import type { MicrosoftSettings } from "./graph-oauth.js";
import { GraphPushChannels } from "./graph-push.js";
import { createMicrosoftProvider } from "./microsoft-provider.js";

export const microsoft: ProviderDefinition<MicrosoftSettings & { webhookSecret: string }> = {
  name: "microsoft",
  connector: "oauth",
  create(settings) {
    const adapter = createMicrosoftProvider(settings);
    const push = new GraphPushChannels(settings);
    return {
      name: "microsoft",
      connector: adapter,
      capabilities: { busyTime: adapter, events: adapter, pushChannels: push, webhooks: push },
    };
  },
};
