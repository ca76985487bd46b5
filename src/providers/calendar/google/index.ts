import type { ProviderDefinition } from "../../kit/provider-definition.js";
import { GoogleCalendarProvider, type GoogleSettings } from "./google-calendar-provider.js";

export const google: ProviderDefinition<GoogleSettings> = {
  name: "google",
  connector: "oauth",
  create(settings) {
    const adapter = new GoogleCalendarProvider(settings);
    return { name: "google", connector: adapter, capabilities: { busyTime: adapter, events: adapter } };
  },
};
