import type { Config } from "../config.js";
import type {
  AnyCalendarProvider,
  BasicAuthCalendarProvider,
  CalendarProviderName,
  OAuthCalendarProvider,
} from "./calendar-provider.js";
import { GoogleCalendarProvider } from "./google/google-calendar-provider.js";
import { createAppleProvider } from "./apple/apple-provider.js";
import { createMicrosoftProvider } from "./microsoft/microsoft-provider.js";

/**
 * Every calendar provider adapter, built from Config. Adding a provider is
 * its folder under src/providers plus one line here.
 */
const PROVIDER_FACTORIES: ((config: Config) => AnyCalendarProvider)[] = [
  (config) => new GoogleCalendarProvider(config.google),
  (config) => createMicrosoftProvider(config),
  (config) => createAppleProvider(config),
];

export class CalendarProviderRegistry {
  private readonly byName: ReadonlyMap<CalendarProviderName, AnyCalendarProvider>;

  constructor(providers: AnyCalendarProvider[]) {
    this.byName = new Map(providers.map((provider) => [provider.name, provider]));
  }

  static fromConfig(config: Config): CalendarProviderRegistry {
    return new CalendarProviderRegistry(PROVIDER_FACTORIES.map((create) => create(config)));
  }

  /** undefined for a provider that is not (yet) available. */
  find(name: string): AnyCalendarProvider | undefined {
    return this.byName.get(name as CalendarProviderName);
  }

  get(name: string): AnyCalendarProvider {
    const provider = this.find(name);
    if (!provider) throw new Error(`no calendar provider named "${name}"`);
    return provider;
  }

  oauth(name: string): OAuthCalendarProvider | undefined {
    const provider = this.find(name);
    return provider?.auth === "oauth" ? provider : undefined;
  }

  basic(name: string): BasicAuthCalendarProvider | undefined {
    const provider = this.find(name);
    return provider?.auth === "basic" ? provider : undefined;
  }

  names(): CalendarProviderName[] {
    return [...this.byName.keys()];
  }
}
