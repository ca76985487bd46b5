import type { ApiKeyConnector } from "../../kit/connector.js";
import type { ProviderDefinition } from "../../kit/provider-definition.js";
import { scheduleAsBusyTime } from "../field-service-busy-time.js";
import { HousecallProProvider } from "./housecall-pro-provider.js";
import { HousecallProWebhookVerifier } from "./housecall-pro-webhooks.js";

export interface HousecallProDefinitionSettings {
  /** https://api.housecallpro.com */
  apiBaseUrl: string;
  /** Signs webhooks (docs/webhooks.md). */
  webhookSecret: string;
  /** Per request (PROVIDER_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
}

/** HouseCall Pro: the company's API key (`Authorization: Token <key>`); scheduled jobs are busy time. */
export const housecallPro: ProviderDefinition<HousecallProDefinitionSettings> = {
  name: "housecall_pro",
  connector: "api_key",
  create(settings) {
    const api = new HousecallProProvider({
      apiBaseUrl: settings.apiBaseUrl,
      requestTimeoutMs: settings.requestTimeoutMs,
      defaultRegion: "US",
    });
    const connector: ApiKeyConnector = {
      auth: "api_key",
      async verify(credentials) {
        const company = await api.getAccount(credentials);
        return { email: company.id, name: company.name, ...(company.timeZone ? { timeZone: company.timeZone } : {}) };
      },
    };
    return {
      name: "housecall_pro",
      connector,
      capabilities: {
        fieldServiceJobs: api,
        busyTime: scheduleAsBusyTime(api, "HouseCall Pro schedule"),
        webhooks: new HousecallProWebhookVerifier(settings.webhookSecret),
      },
      // The seed's budget for HouseCall Pro's public API.
      outboundLimit: { requests: 100, perMs: 60_000 },
    };
  },
};
