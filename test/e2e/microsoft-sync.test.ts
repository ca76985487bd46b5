import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { CalendarService, IntegrationStatus } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { SyncService, SyncStatus, SyncType } from "../../gen/universalcalendar/v1/sync_pb.js";
import { ProviderBusyEventSchema } from "../../src/entities/provider-busy-event.js";
import { startGraphFake, type GraphFake } from "../fakes/microsoft-graph/graph-fake.js";
import { client, connectTransport, grpcTransport, serviceKey } from "../support/clients.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

const REDIRECT_URI = "https://app.example.test/oauth/callback";
const DAY = 86_400_000;
/** Midnight UTC two days from now: inside any sync window the engine picks. */
const base = new Date(Math.floor(Date.now() / DAY) * DAY + 2 * DAY);
const hours = (h: number) => new Date(base.getTime() + h * 3_600_000);

let fake: GraphFake;
let server: TestServer;

beforeAll(async () => {
  fake = await startGraphFake({ tlsDir: inject("testTlsDir"), email: "dispatch@plumbing.example" });
  server = await startTestServer({
    env: {
      MICROSOFT_CLIENT_ID: fake.clientId,
      MICROSOFT_CLIENT_SECRET: fake.clientSecret,
      MICROSOFT_OAUTH_BASE_URL: fake.oauthBaseUrl,
      MICROSOFT_GRAPH_BASE_URL: fake.baseUrl,
      OAUTH_REDIRECT_URI: REDIRECT_URI,
    },
  });
});

afterAll(async () => {
  await server?.close();
  await fake?.close();
});

const syncClient = () => client(SyncService, grpcTransport(server.baseUrl, serviceKey));

async function finished(syncId: string) {
  for (;;) {
    const { job } = await syncClient().getSyncStatus({ syncId });
    if (job && (job.status === SyncStatus.SUCCEEDED || job.status === SyncStatus.FAILED)) return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function mirror(tenantId: string) {
  const rows = await server.orm.em
    .fork()
    .find(ProviderBusyEventSchema, { tenantId }, { orderBy: { startTime: "asc" } });
  return new Map(rows.map((row) => [row.providerEventId, row]));
}

/** A new tenant connected to the fake's account through the OAuth flow, its first full sync done. */
async function connectedTenant(): Promise<string> {
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
  expect((await finished(completed.syncId)).status).toBe(SyncStatus.SUCCEEDED);
  return tenantId;
}

describe("Microsoft through the server (Graph fake over TLS)", () => {
  it("connects by OAuth, mirrors a full sync, then applies an incremental delta", async () => {
    const calendar = fake.defaultCalendarId;
    fake.putEvent(calendar, { id: "stays", subject: "Stays", start: hours(9), end: hours(10) });
    fake.putEvent(calendar, { id: "moves", subject: "Moves", start: hours(11), end: hours(12) });
    fake.putEvent(calendar, { id: "goes", subject: "Goes", start: hours(13), end: hours(14) });
    fake.putEvent(calendar, { id: "lunch", subject: "Lunch", start: hours(12), end: hours(13), showAs: "free" });

    const tenantId = newTenantId();
    const calendars = client(CalendarService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    const started = await calendars.connectCalendar({ tenantId, provider: Provider.MICROSOFT });
    const authorizationUrl = new URL(started.authorizationUrl);
    expect(`${authorizationUrl.origin}${authorizationUrl.pathname}`).toBe(`${fake.oauthBaseUrl}/oauth2/v2.0/authorize`);
    expect(authorizationUrl.searchParams.get("state")).toBe(started.state);
    expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorizationUrl.searchParams.get("scope")).toBe("offline_access User.Read Calendars.ReadWrite");
    expect(started.expiresInSeconds).toBe(600);

    // The user consents; the fake redirects back with a code.
    const consent = await fetch(authorizationUrl, { redirect: "manual" });
    const callback = new URL(consent.headers.get("location")!);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    const completed = await calendars.completeOAuth({
      tenantId,
      provider: Provider.MICROSOFT,
      code: callback.searchParams.get("code")!,
      state: callback.searchParams.get("state")!,
    });
    expect(completed.integration).toMatchObject({
      accountEmail: "dispatch@plumbing.example",
      status: IntegrationStatus.ACTIVE,
    });
    expect(fake.tokenRequests.at(-1)).toMatchObject({ grant_type: "authorization_code", redirect_uri: REDIRECT_URI });

    const status = await calendars.getCalendarStatus({ tenantId });
    expect(status.integrations).toHaveLength(1);
    expect(status.integrations[0]).toMatchObject({
      provider: Provider.MICROSOFT,
      accountEmail: "dispatch@plumbing.example",
    });
    expect(status.integrations[0]!.calendars.find((c) => c.id === calendar)).toMatchObject({
      primary: true,
      checkConflicts: true,
    });

    const stored = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ row: string }[]>(
        "select row_to_json(i)::text as row from calendar_integrations i where tenant_id = ?",
        [tenantId],
      );
    expect(stored).toHaveLength(1);
    expect(fake.issuedTokens.length).toBeGreaterThan(0);
    for (const token of fake.issuedTokens) expect(stored[0]!.row).not.toContain(token);

    const full = await finished(completed.syncId);
    expect(full.status).toBe(SyncStatus.SUCCEEDED);
    let rows = await mirror(tenantId);
    expect([...rows.keys()].sort()).toEqual(["goes", "lunch", "moves", "stays"]);
    expect(rows.get("lunch")).toMatchObject({ transparent: true });
    expect(rows.get("moves")!.startTime).toEqual(hours(11));

    fake.putEvent(calendar, { id: "new", subject: "New", start: hours(30), end: hours(31) });
    fake.updateEvent("moves", { start: hours(15), end: hours(16) });
    fake.deleteEvent("goes");
    const series = { seriesMasterId: "series", subject: "Weekly" };
    fake.putEvent(calendar, {
      ...series,
      id: "series-1",
      type: "occurrence",
      start: hours(24 + 8),
      end: hours(24 + 9),
    });
    fake.putEvent(calendar, {
      ...series,
      id: "series-2",
      type: "exception",
      start: hours(8 * 24 + 10),
      end: hours(8 * 24 + 11),
    });
    fake.putEvent(calendar, {
      ...series,
      id: "series-3",
      type: "occurrence",
      isCancelled: true,
      start: hours(15 * 24 + 8),
      end: hours(15 * 24 + 9),
    });
    const before = fake.requests.filter((r) => r.includes("calendarView/delta")).length;

    const triggered = await syncClient().triggerSync({
      tenantId,
      provider: Provider.MICROSOFT,
      type: SyncType.INCREMENTAL,
    });
    const incremental = await finished(triggered.syncId);

    expect(incremental.status).toBe(SyncStatus.SUCCEEDED);
    expect(fake.requests.filter((r) => r.includes("calendarView/delta")).length - before).toBe(1);
    expect(incremental.counts).toMatchObject({ deleted: 1 });
    rows = await mirror(tenantId);
    expect([...rows.keys()].sort()).toEqual(["lunch", "moves", "new", "series-1", "series-2", "series-3", "stays"]);
    expect(rows.get("moves")!.startTime).toEqual(hours(15));
    expect(rows.get("series-2")!.startTime).toEqual(hours(8 * 24 + 10));
    expect(rows.get("series-3")).toMatchObject({ status: "cancelled" });
  });

  it("honours Retry-After on 429 and falls back to a full sync when the delta token expired", async () => {
    const tenantId = await connectedTenant();

    fake.expireDeltaTokens();
    fake.putEvent(fake.defaultCalendarId, {
      id: "after-reset",
      subject: "After reset",
      start: hours(40),
      end: hours(41),
    });
    fake.throttleNext(1, 1);
    const throttledAt = fake.requests.length;
    const throttledBefore = fake.throttled;

    const triggered = await syncClient().triggerSync({
      tenantId,
      provider: Provider.MICROSOFT,
      type: SyncType.INCREMENTAL,
    });
    const job = await finished(triggered.syncId);

    expect(job.status).toBe(SyncStatus.SUCCEEDED);
    expect(fake.throttled - throttledBefore).toBe(1);
    const requests = fake.requests.slice(throttledAt).filter((r) => r.includes("/v1.0/"));
    // The throttled delta request was sent again (after Retry-After), the expired token then led to a new round.
    expect(requests[0]).toContain("$deltatoken=");
    expect(requests[1]).toBe(requests[0]);
    expect(requests.slice(2).some((r) => r.includes("startDateTime="))).toBe(true);
    expect((await mirror(tenantId)).has("after-reset")).toBe(true);
  });

  it("refreshes on 401 keeping the rotated refresh token, and marks the integration on invalid_grant", async () => {
    const tenantId = await connectedTenant();

    // Graph rejects the stored access token: one refresh, then the sync goes through.
    fake.expireAccessTokens();
    const refreshesBefore = fake.tokenRequests.filter((r) => r.grant_type === "refresh_token").length;
    const first = await syncClient().triggerSync({
      tenantId,
      provider: Provider.MICROSOFT,
      type: SyncType.INCREMENTAL,
    });
    expect((await finished(first.syncId)).status).toBe(SyncStatus.SUCCEEDED);
    const refreshes = fake.tokenRequests.filter((r) => r.grant_type === "refresh_token");
    expect(refreshes.length - refreshesBefore).toBe(1);

    // The fake accepts each refresh token once: a second refresh only works with the rotated one.
    fake.expireAccessTokens();
    const second = await syncClient().triggerSync({
      tenantId,
      provider: Provider.MICROSOFT,
      type: SyncType.INCREMENTAL,
    });
    expect((await finished(second.syncId)).status).toBe(SyncStatus.SUCCEEDED);
    const rotated = fake.tokenRequests.filter((r) => r.grant_type === "refresh_token").at(-1)!;
    expect(rotated.refresh_token).not.toBe(refreshes.at(-1)!.refresh_token);

    fake.revokeRefreshTokens();
    fake.expireAccessTokens();
    const revoked = await syncClient().triggerSync({
      tenantId,
      provider: Provider.MICROSOFT,
      type: SyncType.INCREMENTAL,
    });
    const job = await finished(revoked.syncId);
    expect(job.status).toBe(SyncStatus.FAILED);
    const calendars = client(CalendarService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    const [integration] = (await calendars.getCalendarStatus({ tenantId })).integrations;
    expect(integration).toMatchObject({ status: IntegrationStatus.ERROR });
    expect(integration!.statusReason).toMatch(/reauthori[sz]ation required/i);
  });
});
