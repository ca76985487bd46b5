import { randomBytes } from "node:crypto";

/**
 * Google Calendar push channels as documented: events.watch answers the
 * channel with its resourceId and the expiration granted (milliseconds since
 * the epoch, as a string; at most a week here), sends a "sync" message at
 * once, then an "exists" message on every change of the calendar's events;
 * channels.stop answers 204, or 404 for a channel it does not know.
 * Notifications are POSTs with no body; X-Goog-Channel-Token echoes the
 * token given at watch time.
 */
export interface FakeChannel {
  id: string;
  resourceId: string;
  token: string;
  address: string;
  /** account email + calendar id */
  calendarKey: string;
  expiration: number;
  messageNumber: number;
}

type Send = (status: number, payload: unknown) => void;

const MAX_LIFETIME_MS = 7 * 86_400_000;

export class GooglePushChannels {
  readonly channels = new Map<string, FakeChannel>();
  /** Channel ids stopped through channels.stop. */
  readonly stopped: string[] = [];
  /** Notifications delivered: channel id, state and when it was sent. */
  readonly delivered: { channelId: string; state: string; at: number; status: number }[] = [];
  /** Lifetime granted when the request asks for more (or none). */
  maxLifetimeMs = MAX_LIFETIME_MS;

  watch(calendarKey: string, calendarId: string, body: string, send: Send): void {
    const request = JSON.parse(body || "{}") as {
      id?: string;
      type?: string;
      address?: string;
      token?: string;
      expiration?: string;
    };
    if (
      !request.id ||
      request.type !== "web_hook" ||
      !request.address ||
      !/^[A-Za-z0-9\-_+/=]{1,64}$/.test(request.id)
    ) {
      return send(400, { error: { code: 400, message: "Invalid channel", errors: [{ reason: "invalid" }] } });
    }
    if ([...this.channels.values()].some((c) => c.id === request.id)) {
      return send(400, {
        error: { code: 400, message: "Channel id not unique", errors: [{ reason: "channelIdNotUnique" }] },
      });
    }
    const requested = Number(request.expiration ?? 0);
    const cap = Date.now() + this.maxLifetimeMs;
    const channel: FakeChannel = {
      id: request.id,
      resourceId: `res${randomBytes(6).toString("hex")}`,
      token: request.token ?? "",
      address: request.address,
      calendarKey,
      expiration: requested > 0 ? Math.min(requested, cap) : cap,
      messageNumber: 1,
    };
    this.channels.set(channel.id, channel);
    send(200, {
      kind: "api#channel",
      id: channel.id,
      resourceId: channel.resourceId,
      resourceUri: `https://www.googleapis.com/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events?alt=json`,
      token: channel.token,
      expiration: String(channel.expiration),
    });
    void this.deliver(channel, "sync");
  }

  stop(body: string, send: Send, reply204: () => void): void {
    const request = JSON.parse(body || "{}") as { id?: string; resourceId?: string };
    const channel = request.id ? this.channels.get(request.id) : undefined;
    if (!channel || channel.resourceId !== request.resourceId) {
      return send(404, {
        error: {
          code: 404,
          message: `Channel '${request.id}' not found for project`,
          errors: [{ reason: "notFound" }],
        },
      });
    }
    this.channels.delete(channel.id);
    this.stopped.push(channel.id);
    reply204();
  }

  /** Every live channel on the calendar gets an "exists" message. */
  changed(calendarKey: string): Promise<void>[] {
    return [...this.channels.values()]
      .filter((c) => c.calendarKey === calendarKey && c.expiration > Date.now())
      .map((c) => this.deliver(c, "exists"));
  }

  /** Forgets a channel as if it had lapsed at Google, without telling anyone. */
  lapse(channelId: string): void {
    this.channels.delete(channelId);
  }

  /** The headers Google would send for a message on this channel (for tests that forge or replay one). */
  headersFor(channel: FakeChannel, state: string): Record<string, string> {
    return {
      "X-Goog-Channel-ID": channel.id,
      "X-Goog-Channel-Token": channel.token,
      "X-Goog-Channel-Expiration": new Date(channel.expiration).toUTCString(),
      "X-Goog-Resource-ID": channel.resourceId,
      "X-Goog-Resource-URI": "https://www.googleapis.com/calendar/v3/calendars/primary/events?alt=json",
      "X-Goog-Resource-State": state,
      "X-Goog-Message-Number": String(channel.messageNumber++),
    };
  }

  private async deliver(channel: FakeChannel, state: string): Promise<void> {
    const at = Date.now();
    try {
      const res = await fetch(channel.address, { method: "POST", headers: this.headersFor(channel, state) });
      await res.arrayBuffer();
      this.delivered.push({ channelId: channel.id, state, at, status: res.status });
    } catch {
      this.delivered.push({ channelId: channel.id, state, at, status: 0 });
    }
  }
}
