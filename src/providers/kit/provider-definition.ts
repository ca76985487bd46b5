import type { BusyTimeSource, EventDestination } from "../calendar/calendar-provider.js";
import type { FieldServiceProvider } from "../field-service/field-service-provider.js";
import type { Connector, ConnectorKind } from "./connector.js";
import type { PushChannelSource } from "./push-channels.js";
import type { WebhookVerifier } from "./webhook-verifier.js";

/** What a connected provider can do; a provider has the members it supports. */
export interface ProviderCapabilities {
  busyTime?: BusyTimeSource;
  events?: EventDestination;
  fieldServiceJobs?: FieldServiceProvider;
  webhooks?: WebhookVerifier;
  pushChannels?: PushChannelSource;
}

export type Capability = keyof ProviderCapabilities;

/** A provider built from its settings: how to log in and what it can do. */
export interface Provider {
  readonly name: string;
  readonly connector: Connector;
  readonly capabilities: ProviderCapabilities;
}

/**
 * What each provider folder exports: its name, the kind of login it takes
 * and how to build it from its own settings slice (never the whole Config).
 */
export interface ProviderDefinition<Settings> {
  readonly name: string;
  readonly connector: ConnectorKind;
  create(settings: Settings): Provider;
}
