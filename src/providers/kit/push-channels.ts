import type { ProviderCredentials } from "./connector.js";

/** Where and for how long the provider should push changes of one calendar. */
export interface ChannelRequest {
  /** The provider's calendar id. */
  calendarId: string;
  /** Our id for the channel (Google uses it as the channel id; Graph carries it in clientState). */
  channelId: string;
  /** Change notifications are POSTed here. */
  address: string;
  /** Graph lifecycle notifications are POSTed here. */
  lifecycleAddress: string;
  /** What we ask for; the provider may answer less (read OpenedChannel.expiresAt). */
  expiresAt: Date;
}

export interface OpenedChannel {
  /** The provider's id of it (Google resourceId, Graph subscription id). */
  providerChannelId: string;
  /** The expiry the provider answered. */
  expiresAt: Date;
}

export interface ChannelRef {
  channelId: string;
  providerChannelId: string;
}

/**
 * Capability: push channels on a calendar's events (Google events.watch,
 * Graph subscriptions). The channel's secret (Google token, Graph
 * clientState) is derived from channelId by the adapter, so the verifier can
 * check it without a lookup.
 */
export interface PushChannelSource {
  /** The longest lifetime the provider grants; requests are clamped to it. */
  readonly maxLifetimeMs: number;
  open(credentials: ProviderCredentials, request: ChannelRequest): Promise<OpenedChannel>;
  /**
   * Extends the channel in place, answering the new expiry; undefined when
   * the provider cannot extend (Google: open a new channel, stop the old).
   * ProviderError("not_found") when the provider no longer has it.
   */
  extend?(credentials: ProviderCredentials, channel: ChannelRef, expiresAt: Date): Promise<Date>;
  /** Stops the channel; a channel the provider no longer has counts as stopped. */
  close(credentials: ProviderCredentials, channel: ChannelRef): Promise<void>;
}
