import type { ProviderDefinition } from "../../kit/provider-definition.js";
import { createAppleProvider, type AppleSettings } from "./apple-provider.js";

export const apple: ProviderDefinition<AppleSettings> = {
  name: "apple",
  connector: "basic",
  create(settings) {
    const adapter = createAppleProvider(settings);
    return { name: "apple", connector: adapter, capabilities: { busyTime: adapter, events: adapter } };
  },
};
