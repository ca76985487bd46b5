import type { BusyTimeSource, EventDestination } from "../calendar/calendar-provider.js";
import type { FieldServiceProvider } from "../field-service/field-service-provider.js";
import type { ApiKeyConnector, Connector, ConnectorKind } from "./connector.js";
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

/** How many requests one integration may send, across every server instance together. */
export interface OutboundLimit {
  requests: number;
  perMs: number;
}

/** A provider built from its settings: how to log in and what it can do. */
export interface Provider {
  readonly name: string;
  readonly connector: Connector;
  /** A second login the provider also takes: a pasted API key (Jobber's, besides its OAuth app flow). */
  readonly apiKeyConnector?: ApiKeyConnector;
  readonly capabilities: ProviderCapabilities;
  /** The provider's documented request budget per connected account, when it has one. */
  readonly outboundLimit?: OutboundLimit;
}

/**
 * What each provider folder exports: its name, the kind of login it takes
 * and how to build it from its own settings slice (never the whole Config).
 */
export interface ProviderDefinition<Settings> {
  readonly name: string;
  readonly connector: ConnectorKind;
  /** Further login kinds, e.g. Jobber: OAuth app flow and an API key. */
  readonly alsoConnectsWith?: ConnectorKind[];
  create(settings: Settings): Provider;
}
