import type { ProviderCredentials } from "../../kit/connector.js";
import { ProviderError } from "../../kit/provider-error.js";
import type { ChannelRef, ChannelRequest, OpenedChannel, PushChannelSource } from "../../kit/push-channels.js";
import { channelSecret, sameSecret } from "../../kit/signatures.js";
import type { IncomingWebhook, WebhookOutcome, WebhookVerifier } from "../../kit/webhook-verifier.js";
import { calendarApiCaller, type CalendarCall } from "./google-sdk.js";

export interface GooglePushSettings {
  calendarApiBaseUrl: string;
  /** Channel tokens are derived from it per channel id. */
  webhookSecret: string;
  /** Per request (PROVIDER_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
}

/** Google grants events channels up to a week; a longer request is cut to what it answers in `expiration`. */
const MAX_LIFETIME_MS = 7 * 86_400_000;

/**
 * events.watch channels and their notifications. A notification carries no
 * body and no signature: X-Goog-Channel-Token echoes the token we set on the
 * channel, derived from its id, and X-Goog-Resource-State says "sync" (the
 * channel works) or "exists"/"not_exists" (the calendar's events changed).
 */
export class GooglePushChannels implements PushChannelSource, WebhookVerifier {
  readonly maxLifetimeMs = MAX_LIFETIME_MS;
  private readonly call: CalendarCall;

  constructor(private readonly settings: GooglePushSettings) {
    this.call = calendarApiCaller({
      version: "v3",
      rootUrl: `${settings.calendarApiBaseUrl}/`,
      retry: false,
      timeout: settings.requestTimeoutMs,
    });
  }

  async open(credentials: ProviderCredentials, request: ChannelRequest): Promise<OpenedChannel> {
    const channel = await this.call((api) =>
      api.events.watch(
        {
          calendarId: request.calendarId,
          requestBody: {
            id: request.channelId,
            type: "web_hook",
            address: request.address,
            token: channelSecret(this.settings.webhookSecret, request.channelId),
            expiration: String(request.expiresAt.getTime()),
          },
        },
        authOf(credentials),
      ),
    );
    if (!channel.resourceId) throw new ProviderError("google", "bad_request", "events.watch answered no resourceId");
    // Google answers the expiry it granted (milliseconds since the epoch); without one, assume the shortest sane life.
    const expiration = Number(channel.expiration);
    return {
      providerChannelId: channel.resourceId,
      expiresAt: new Date(Number.isFinite(expiration) && expiration > 0 ? expiration : Date.now() + 3_600_000),
    };
  }

  async close(credentials: ProviderCredentials, channel: ChannelRef): Promise<void> {
    try {
      await this.call((api) =>
        api.channels.stop(
          { requestBody: { id: channel.channelId, resourceId: channel.providerChannelId } },
          authOf(credentials),
        ),
      );
    } catch (error) {
      if (error instanceof ProviderError && error.kind === "not_found") return;
      throw error;
    }
  }

  verify(webhook: IncomingWebhook): WebhookOutcome {
    const channelId = webhook.headers["x-goog-channel-id"];
    const token = webhook.headers["x-goog-channel-token"];
    if (!channelId || !token)
      throw new ProviderError("google", "unauthorized", "notification without channel id or token");
    if (!sameSecret(channelSecret(this.settings.webhookSecret, channelId), token)) {
      throw new ProviderError("google", "unauthorized", "channel token does not match");
    }
    const state = webhook.headers["x-goog-resource-state"];
    const resourceId = webhook.headers["x-goog-resource-id"];
    return {
      kind: "notices",
      notices: [
        {
          event: state === "sync" ? "channel_confirmed" : "changed",
          channelId,
          ...(resourceId ? { providerChannelId: resourceId } : {}),
          resourceIds: [],
        },
      ],
    };
  }
}

function authOf(credentials: ProviderCredentials) {
  if (credentials.kind !== "oauth") throw new ProviderError("google", "unauthorized", "Google needs OAuth credentials");
  return { headers: { Authorization: `Bearer ${credentials.accessToken}` } };
}
