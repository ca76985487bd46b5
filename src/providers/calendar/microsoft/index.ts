import type { ProviderDefinition } from "../../kit/provider-definition.js";
import type { MicrosoftSettings } from "./graph-oauth.js";
import { createMicrosoftProvider } from "./microsoft-provider.js";

export const microsoft: ProviderDefinition<MicrosoftSettings> = {
  name: "microsoft",
  connector: "oauth",
  create(settings) {
    const adapter = createMicrosoftProvider(settings);
    return { name: "microsoft", connector: adapter, capabilities: { busyTime: adapter, events: adapter } };
  },
};
