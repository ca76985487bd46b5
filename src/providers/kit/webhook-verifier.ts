/** A provider's push as it arrived, before anything trusts it. */
export interface IncomingWebhook {
  headers: Record<string, string | undefined>;
  /** The raw body: signatures are computed over these exact bytes. */
  body: Buffer;
}

/** What a verified push says changed; the app turns it into a queued incremental sync. */
export interface WebhookNotice {
  /** The provider's channel/subscription id the push belongs to. */
  channelId: string;
  /** Provider resource ids that changed, when the push names them. */
  resourceIds: string[];
}

/** Capability: checks a push's signature or token and reads it; throws ProviderError("unauthorized") when forged. */
export interface WebhookVerifier {
  verify(webhook: IncomingWebhook): Promise<WebhookNotice>;
}
