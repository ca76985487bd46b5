/** A provider's push as it arrived, before anything trusts it. */
export interface IncomingWebhook {
  headers: Record<string, string | undefined>;
  /** Query parameters of the request URL (Graph's validationToken arrives there). */
  query: Record<string, string>;
  /** The raw body: signatures are computed over these exact bytes. */
  body: Buffer;
  receivedAt: Date;
}

/** What a verified push says happened. */
export type WebhookEvent =
  /** Google's first message on a new channel: nothing changed. */
  | "channel_confirmed"
  /** Something in the watched resource changed: an incremental sync finds out what. */
  | "changed"
  /** Graph lifecycle: the subscription needs renewing with fresh credentials. */
  | "reauthorization_required"
  /** Graph lifecycle: the provider dropped the subscription; create it again. */
  | "subscription_removed"
  /** Graph lifecycle: notifications were lost; a sync catches up. */
  | "missed";

/** One verified notification. */
export interface WebhookNotice {
  event: WebhookEvent;
  /** Calendar pushes: the channel id we chose (Google channel id, or the one in Graph's clientState). */
  channelId?: string;
  /** Calendar pushes: the provider's id of the channel (Google resource id, Graph subscription id). */
  providerChannelId?: string;
  /** Account-wide pushes (field service): the provider's account id the change belongs to. */
  accountId?: string;
  /** Provider item ids that changed, when the push names them. */
  resourceIds: string[];
}

export type WebhookOutcome =
  /** A handshake the provider expects answered verbatim (Graph's validationToken). */
  { kind: "answer"; contentType: string; body: string } | { kind: "notices"; notices: WebhookNotice[] };

/**
 * Capability: checks a push's signature or token and reads it. Throws
 * ProviderError("unauthorized") when the signature or token is missing or
 * wrong, ProviderError("bad_request") when a signed body is not the documented
 * shape. Pure: no I/O, so a forged push costs one HMAC.
 */
export interface WebhookVerifier {
  verify(webhook: IncomingWebhook): WebhookOutcome;
}
