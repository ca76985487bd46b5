import type { Config } from "../config.js";
import { apple } from "./calendar/apple/index.js";
import { google } from "./calendar/google/index.js";
import { microsoft } from "./calendar/microsoft/index.js";
import { housecallPro } from "./field-service/housecall-pro/index.js";
import { jobber } from "./field-service/jobber/index.js";
import type { OAuthConnector } from "./kit/connector.js";
import type { Capability, Provider, ProviderDefinition } from "./kit/provider-definition.js";

/** A definition bound to the slice of Config it is built from. */
function provide<Settings>(definition: ProviderDefinition<Settings>, settingsOf: (config: Config) => Settings) {
  return (config: Config): Provider => definition.create(settingsOf(config));
}

/** Every provider, one line each: adding a provider is its folder plus one line here. */
const PROVIDERS = [
  provide(google, (config) => ({
    ...config.google,
    webhookSecret: config.calendarWebhookSecret,
    requestTimeoutMs: config.providerRequestTimeoutMs,
  })),
  provide(microsoft, (config) => ({
    ...config.microsoft,
    webhookSecret: config.calendarWebhookSecret,
    requestTimeoutMs: config.providerRequestTimeoutMs,
  })),
  provide(apple, (config) => ({ caldavUrl: config.appleCaldavUrl, requestTimeoutMs: config.providerRequestTimeoutMs })),
  provide(jobber, (config) => ({
    ...config.jobber,
    graphqlUrl: config.jobber.apiBaseUrl,
    requestTimeoutMs: config.providerRequestTimeoutMs,
  })),
  provide(housecallPro, (config) => ({ ...config.housecallPro, requestTimeoutMs: config.providerRequestTimeoutMs })),
];

export class ProviderRegistry {
  private readonly byName: ReadonlyMap<string, Provider>;

  constructor(providers: Provider[]) {
    this.byName = new Map(providers.map((provider) => [provider.name, provider]));
  }

  static fromConfig(config: Config): ProviderRegistry {
    return new ProviderRegistry(PROVIDERS.map((create) => create(config)));
  }

  /** undefined for a provider that is not (yet) available. */
  find(name: string): Provider | undefined {
    return this.byName.get(name);
  }

  get(name: string): Provider {
    const provider = this.find(name);
    if (!provider) throw new Error(`no provider named "${name}"`);
    return provider;
  }

  oauth(name: string): OAuthConnector | undefined {
    const connector = this.find(name)?.connector;
    return connector?.auth === "oauth" ? connector : undefined;
  }

  /** The providers that have a capability: the one source of provider-name lists. */
  names(capability: Capability): string[] {
    return [...this.byName.values()]
      .filter((provider) => provider.capabilities[capability] !== undefined)
      .map((p) => p.name);
  }
}
