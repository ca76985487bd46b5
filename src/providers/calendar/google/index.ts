import type { ProviderDefinition } from "../../kit/provider-definition.js";
import { GoogleCalendarProvider, type GoogleSettings } from "./google-calendar-provider.js";
import { GooglePushChannels } from "./google-push.js";

export const google: ProviderDefinition<GoogleSettings & { webhookSecret: string }> = {
  name: "google",
  connector: "oauth",
  create(settings) {
    const adapter = new GoogleCalendarProvider(settings);
    const push = new GooglePushChannels(settings);
    return {
      name: "google",
      connector: adapter,
      capabilities: { busyTime: adapter, events: adapter, pushChannels: push, webhooks: push },
    };
  },
};
