import type { Client } from "@microsoft/microsoft-graph-client";
import type { ProviderCredentials } from "../../kit/connector.js";
import { ProviderError } from "../../kit/provider-error.js";
import type { ChannelRef, ChannelRequest, OpenedChannel, PushChannelSource } from "../../kit/push-channels.js";
import { channelSecret, sameSecret } from "../../kit/signatures.js";
import type {
  IncomingWebhook,
  WebhookEvent,
  WebhookNotice,
  WebhookOutcome,
  WebhookVerifier,
} from "../../kit/webhook-verifier.js";
import { graphClientFor } from "./graph-client.js";
import { toProviderError } from "./graph-errors.js";

export interface GraphPushSettings {
  graphBaseUrl: string;
  /** clientState values are derived from it per channel id. */
  webhookSecret: string;
  /** Per request (PROVIDER_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
}

/** Graph's maximum for Outlook event subscriptions is 10,080 minutes; ask a little less. */
const MAX_LIFETIME_MS = 10_070 * 60_000;

const LIFECYCLE_EVENTS: Record<string, WebhookEvent> = {
  reauthorizationRequired: "reauthorization_required",
  subscriptionRemoved: "subscription_removed",
  missed: "missed",
};

interface GraphNotification {
  subscriptionId?: string;
  clientState?: string;
  changeType?: string;
  lifecycleEvent?: string;
  resourceData?: { id?: string };
}

interface GraphSubscription {
  id: string;
  expirationDateTime: string;
}

/**
 * Graph subscriptions on one calendar's events, and their change and
 * lifecycle notifications. Graph signs nothing: each notification carries the
 * clientState we set on its subscription, "<channel id>.<secret derived from
 * it>", so each subscription has its own and checking it needs no lookup.
 * Notifications whose clientState does not match are dropped; a request with
 * none that match is refused. A validationToken is answered as Graph
 * requires: 200, text/plain, the token itself.
 */
export class GraphPushChannels implements PushChannelSource, WebhookVerifier {
  readonly maxLifetimeMs = MAX_LIFETIME_MS;

  constructor(private readonly settings: GraphPushSettings) {}

  async open(credentials: ProviderCredentials, request: ChannelRequest): Promise<OpenedChannel> {
    const created: GraphSubscription = await this.send(credentials, (client, signal) =>
      client
        .api("/subscriptions")
        .option("signal", signal)
        .post({
          changeType: "created,updated,deleted",
          notificationUrl: request.address,
          lifecycleNotificationUrl: request.lifecycleAddress,
          resource: `/me/calendars/${encodeURIComponent(request.calendarId)}/events`,
          expirationDateTime: request.expiresAt.toISOString(),
          clientState: this.clientStateOf(request.channelId),
        }),
    );
    return { providerChannelId: created.id, expiresAt: new Date(created.expirationDateTime) };
  }

  async extend(credentials: ProviderCredentials, channel: ChannelRef, expiresAt: Date): Promise<Date> {
    const updated: GraphSubscription = await this.send(credentials, (client, signal) =>
      client
        .api(`/subscriptions/${encodeURIComponent(channel.providerChannelId)}`)
        .option("signal", signal)
        .patch({ expirationDateTime: expiresAt.toISOString() }),
    );
    return new Date(updated.expirationDateTime);
  }

  async close(credentials: ProviderCredentials, channel: ChannelRef): Promise<void> {
    try {
      await this.send(credentials, (client, signal) =>
        client
          .api(`/subscriptions/${encodeURIComponent(channel.providerChannelId)}`)
          .option("signal", signal)
          .delete(),
      );
    } catch (error) {
      if (error instanceof ProviderError && error.kind === "not_found") return;
      throw error;
    }
  }

  verify(webhook: IncomingWebhook): WebhookOutcome {
    const validationToken = webhook.query.validationToken;
    if (validationToken !== undefined) {
      return { kind: "answer", contentType: "text/plain; charset=utf-8", body: validationToken };
    }
    let items: GraphNotification[];
    try {
      const parsed = JSON.parse(webhook.body.toString("utf8")) as { value?: unknown };
      if (!Array.isArray(parsed.value)) throw new Error("no value array");
      items = parsed.value as GraphNotification[];
    } catch {
      throw new ProviderError("microsoft", "unauthorized", "notification body is not a Graph notification collection");
    }
    const notices: WebhookNotice[] = [];
    for (const item of items) {
      const channelId = this.channelOf(item.clientState);
      if (!channelId || !item.subscriptionId) continue;
      const lifecycle = item.lifecycleEvent ? LIFECYCLE_EVENTS[item.lifecycleEvent] : undefined;
      if (item.lifecycleEvent && !lifecycle) continue;
      notices.push({
        event: lifecycle ?? "changed",
        channelId,
        providerChannelId: item.subscriptionId,
        resourceIds: item.resourceData?.id ? [item.resourceData.id] : [],
      });
    }
    if (notices.length === 0)
      throw new ProviderError("microsoft", "unauthorized", "no notification with a valid clientState");
    return { kind: "notices", notices };
  }

  private clientStateOf(channelId: string): string {
    return `${channelId}.${channelSecret(this.settings.webhookSecret, channelId)}`;
  }

  /** The channel id a genuine clientState names; undefined for a forged or missing one. */
  private channelOf(clientState: string | undefined): string | undefined {
    const dot = clientState?.lastIndexOf(".") ?? -1;
    if (!clientState || dot <= 0) return undefined;
    const channelId = clientState.slice(0, dot);
    return sameSecret(this.clientStateOf(channelId), clientState) ? channelId : undefined;
  }

  private async send<T>(
    credentials: ProviderCredentials,
    request: (client: Client, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const client = await graphClientFor(this.settings.graphBaseUrl, credentials);
    try {
      return await request(client, AbortSignal.timeout(this.settings.requestTimeoutMs));
    } catch (error) {
      throw toProviderError(error);
    }
  }
}
