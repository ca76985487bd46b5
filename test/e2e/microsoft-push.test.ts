import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CalendarService } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { WebhookChannelSchema } from "../../src/entities/webhook-channel.js";
import { startGraphFake, type GraphFake } from "../fakes/microsoft-graph/graph-fake.js";
import { waitForSync } from "../fakes/google/google-oauth-flow.js";
import { client, connectTransport } from "../support/clients.js";
import { eventually, reachableServerEnv } from "../support/free-port.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

let fake: GraphFake;
let server: TestServer;

beforeAll(async () => {
  fake = await startGraphFake({ tlsDir: inject("testTlsDir"), email: "office@hvac.example" });
  server = await startTestServer({
    env: {
      MICROSOFT_CLIENT_ID: fake.clientId,
      MICROSOFT_CLIENT_SECRET: fake.clientSecret,
      MICROSOFT_OAUTH_BASE_URL: fake.oauthBaseUrl,
      MICROSOFT_GRAPH_BASE_URL: fake.baseUrl,
      OAUTH_REDIRECT_URI: "https://app.example.test/oauth/callback",
      ...(await reachableServerEnv()),
    },
  });
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
});

const channelsOf = (integrationId: string) =>
  server.orm.em.fork().find(WebhookChannelSchema, { integrationId }, { orderBy: { createdAt: "asc" } });

async function syncCount(integrationId: string): Promise<number> {
  const [row] = await server.orm.em
    .fork()
    .getConnection()
    .execute<{ n: string }[]>("select count(*) as n from sync_jobs where integration_id = ?", [integrationId]);
  return Number(row?.n ?? 0);
}

async function connectedTenant() {
  const tenantId = newTenantId();
  const calendars = client(CalendarService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
  const started = await calendars.connectCalendar({ tenantId, provider: Provider.MICROSOFT });
  const callback = new URL((await fetch(started.authorizationUrl, { redirect: "manual" })).headers.get("location")!);
  const completed = await calendars.completeOAuth({
    tenantId,
    provider: Provider.MICROSOFT,
    code: callback.searchParams.get("code")!,
    state: callback.searchParams.get("state")!,
  });
  await waitForSync(server, completed.syncId);
  const integrationId = completed.integration!.id;
  const [channel] = await eventually(async () => {
    const rows = await channelsOf(integrationId);
    return rows.length > 0 && rows;
  });
  return { tenantId, integrationId, channel: channel! };
}

const post = (body: unknown, query = "") =>
  fetch(`${server.baseUrl}/webhooks/microsoft${query}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

describe("Microsoft Graph subscriptions", () => {
  it("answers the validation handshake with the token as text/plain", async () => {
    const token = "Validation: Testing client application reachability <&> 1";
    const res = await fetch(`${server.baseUrl}/webhooks/microsoft?validationToken=${encodeURIComponent(token)}`, {
      method: "POST",
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(token);
  });

  it("subscribes to each checked calendar's events after connecting, with the expiry Graph granted", async () => {
    const { channel } = await connectedTenant();
    const subscription = fake.subscriptions.subscriptions.get(channel.resourceId!);
    expect(subscription?.changeType).toBe("created,updated,deleted");
    expect(subscription?.resource).toMatch(/^\/me\/calendars\/.+\/events$/);
    expect(subscription?.notificationUrl).toBe(`${server.baseUrl}/webhooks/microsoft`);
    expect(subscription?.lifecycleNotificationUrl).toBe(`${server.baseUrl}/webhooks/microsoft`);
    expect(channel.expiresAt?.toISOString()).toBe(subscription?.expirationDateTime);
    expect(subscription?.clientState?.length).toBeLessThanOrEqual(128);
  });

  it("refuses notifications whose clientState is wrong and syncs on a genuine one", async () => {
    const { integrationId, channel } = await connectedTenant();
    const subscription = fake.subscriptions.subscriptions.get(channel.resourceId!)!;
    const before = await syncCount(integrationId);
    const item = { subscriptionId: subscription.id, changeType: "updated", resourceData: { id: "ev1" } };
    expect((await post({ value: [{ ...item, clientState: "forged" }] })).status).toBe(401);
    expect((await post({ value: [{ ...item, clientState: `${channel.channelId}.AAAA` }] })).status).toBe(401);
    expect((await post({ value: [item] })).status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(await syncCount(integrationId)).toBe(before);

    await fake.subscriptions.changed(channel.providerCalendarId!, "ev1", "updated");
    expect(fake.subscriptions.delivered.at(-1)?.status).toBe(202);
    await eventually(async () => (await syncCount(integrationId)) === before + 1);
  });

  it("renews on reauthorizationRequired, re-creates on subscriptionRemoved, catches up on missed", async () => {
    const { integrationId, channel } = await connectedTenant();
    const id = channel.resourceId!;
    const firstExpiry = fake.subscriptions.subscriptions.get(id)!.expirationDateTime;

    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await fake.subscriptions.lifecycle(id, "reauthorizationRequired")).toBe(202);
    await eventually(async () => {
      const [row] = await channelsOf(integrationId);
      return row?.renewedAt && row.renewedAt.getTime() > channel.renewedAt!.getTime();
    });
    expect(fake.subscriptions.subscriptions.get(id)!.expirationDateTime >= firstExpiry).toBe(true);

    const before = await syncCount(integrationId);
    expect(await fake.subscriptions.lifecycle(id, "missed")).toBe(202);
    await eventually(async () => (await syncCount(integrationId)) > before);

    expect(await fake.subscriptions.lifecycle(id, "subscriptionRemoved")).toBe(202);
    const [replacement] = await eventually(async () => {
      const rows = await channelsOf(integrationId);
      return rows.length === 1 && rows[0]!.resourceId !== id && rows;
    });
    expect(fake.subscriptions.subscriptions.has(replacement!.resourceId!)).toBe(true);
  });

  it("deletes its subscriptions on disconnect", async () => {
    const { tenantId, integrationId, channel } = await connectedTenant();
    const calendars = client(CalendarService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    await calendars.disconnectCalendar({ integrationId });
    expect(fake.subscriptions.deleted).toContain(channel.resourceId);
    expect(await channelsOf(integrationId)).toEqual([]);
  });
});
