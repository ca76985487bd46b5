import { randomUUID } from "node:crypto";
import type { ServerResponse } from "node:http";

/**
 * Graph change-notification subscriptions as documented: POST /subscriptions
 * first validates notificationUrl and lifecycleNotificationUrl (a POST with
 * ?validationToken=..., answered 200 text/plain with the token within 10 s;
 * otherwise 400 and no subscription), caps expirationDateTime at 10,080
 * minutes for Outlook events and answers 201 with the subscription; PATCH
 * extends it; DELETE answers 204 (404 for an unknown id). Notifications
 * are {"value":[...]} POSTs carrying subscriptionId and clientState.
 */
export interface FakeSubscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState?: string;
  expirationDateTime: string;
}

const MAX_MINUTES = 10_080;

export class GraphSubscriptions {
  readonly subscriptions = new Map<string, FakeSubscription>();
  readonly deleted: string[] = [];
  /** Answers of the service to each notification POST. */
  readonly delivered: { subscriptionId: string; kind: string; status: number }[] = [];

  async handle(method: string, path: string, raw: string, res: ServerResponse): Promise<void> {
    if (method === "POST" && path === "/subscriptions") return this.create(raw, res);
    const one = /^\/subscriptions\/([^/]+)$/.exec(path);
    const subscription = one?.[1] ? this.subscriptions.get(decodeURIComponent(one[1])) : undefined;
    if (!one) return error(res, 400, "BadRequest", "Resource not found for the segment 'subscriptions'.");
    if (!subscription) return error(res, 404, "ResourceNotFound", "The object was not found.");
    if (method === "PATCH") {
      const patch = JSON.parse(raw || "{}") as { expirationDateTime?: string };
      const expires = capped(patch.expirationDateTime);
      if (!expires) return error(res, 400, "InvalidRequest", "expirationDateTime is invalid.");
      subscription.expirationDateTime = expires;
      return json(res, 200, this.wire(subscription));
    }
    if (method === "DELETE") {
      this.subscriptions.delete(subscription.id);
      this.deleted.push(subscription.id);
      res.writeHead(204);
      res.end();
      return;
    }
    return error(res, 405, "MethodNotAllowed", "Method not allowed.");
  }

  /** A change notification for every subscription on the calendar's events. */
  async changed(calendarId: string, eventId: string, changeType: "created" | "updated" | "deleted"): Promise<void> {
    for (const s of this.subscriptions.values()) {
      if (!s.resource.includes(`/calendars/${encodeURIComponent(calendarId)}/events`)) continue;
      await this.post(s, s.notificationUrl, "change", {
        subscriptionId: s.id,
        subscriptionExpirationDateTime: s.expirationDateTime,
        changeType,
        resource: `Users/48d31887/Events/${eventId}`,
        resourceData: {
          "@odata.type": "#Microsoft.Graph.Event",
          "@odata.id": `Users/48d31887/Events/${eventId}`,
          id: eventId,
        },
        clientState: s.clientState,
        tenantId: "fake-tenant",
      });
    }
  }

  /** A lifecycle notification; subscriptionRemoved also drops the subscription, as Graph does. */
  async lifecycle(
    subscriptionId: string,
    event: "reauthorizationRequired" | "subscriptionRemoved" | "missed",
  ): Promise<number> {
    const s = this.subscriptions.get(subscriptionId);
    if (!s) throw new Error(`no subscription ${subscriptionId}`);
    if (event === "subscriptionRemoved") this.subscriptions.delete(subscriptionId);
    return this.post(s, s.lifecycleNotificationUrl ?? s.notificationUrl, event, {
      subscriptionId: s.id,
      subscriptionExpirationDateTime: s.expirationDateTime,
      tenantId: "fake-tenant",
      clientState: s.clientState,
      lifecycleEvent: event,
    });
  }

  private async create(raw: string, res: ServerResponse): Promise<void> {
    const body = JSON.parse(raw || "{}") as Partial<FakeSubscription>;
    const expires = capped(body.expirationDateTime);
    if (!body.changeType || !body.notificationUrl || !body.resource || !expires) {
      return error(
        res,
        400,
        "InvalidRequest",
        "changeType, notificationUrl, resource and expirationDateTime are required.",
      );
    }
    if ((body.clientState?.length ?? 0) > 128) return error(res, 400, "InvalidRequest", "clientState is too long.");
    for (const url of [body.notificationUrl, body.lifecycleNotificationUrl].filter((u): u is string => Boolean(u))) {
      if (!(await validates(url))) {
        return error(res, 400, "ValidationError", `Subscription validation request failed for ${url}.`);
      }
    }
    const subscription: FakeSubscription = {
      id: randomUUID(),
      resource: body.resource,
      changeType: body.changeType,
      notificationUrl: body.notificationUrl,
      ...(body.lifecycleNotificationUrl ? { lifecycleNotificationUrl: body.lifecycleNotificationUrl } : {}),
      ...(body.clientState ? { clientState: body.clientState } : {}),
      expirationDateTime: expires,
    };
    this.subscriptions.set(subscription.id, subscription);
    json(res, 201, this.wire(subscription));
  }

  private async post(s: FakeSubscription, url: string, kind: string, item: Record<string, unknown>): Promise<number> {
    let status: number;
    try {
      const answer = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ value: [item] }),
      });
      await answer.arrayBuffer();
      status = answer.status;
    } catch {
      status = 0;
    }
    this.delivered.push({ subscriptionId: s.id, kind, status });
    return status;
  }

  private wire(s: FakeSubscription) {
    return {
      "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity",
      id: s.id,
      resource: s.resource,
      applicationId: "fake-app",
      changeType: s.changeType,
      clientState: s.clientState ?? null,
      notificationUrl: s.notificationUrl,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl ?? null,
      expirationDateTime: s.expirationDateTime,
      creatorId: "48d31887-5fad-4d73-a9f5-3c356e68a038",
      latestSupportedTlsVersion: "v1_2",
    };
  }
}

/** Graph answers the expiry it granted: never beyond its maximum. */
function capped(requested: string | undefined): string | undefined {
  const at = Date.parse(requested ?? "");
  if (Number.isNaN(at) || at <= Date.now()) return undefined;
  return new Date(Math.min(at, Date.now() + MAX_MINUTES * 60_000)).toISOString();
}

async function validates(url: string): Promise<boolean> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
  const target = new URL(url);
  target.searchParams.set("validationToken", token);
  try {
    const answer = await fetch(target, { method: "POST", signal: AbortSignal.timeout(10_000) });
    const text = await answer.text();
    return (
      answer.status === 200 && (answer.headers.get("content-type") ?? "").startsWith("text/plain") && text === token
    );
  } catch {
    return false;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json; odata.metadata=minimal; charset=utf-8" });
  res.end(JSON.stringify(body));
}

function error(res: ServerResponse, status: number, code: string, message: string): void {
  json(res, status, {
    error: { code, message, innerError: { date: new Date().toISOString(), "request-id": randomUUID() } },
  });
}
