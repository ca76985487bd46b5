import { Code } from "@connectrpc/connect";
import { DateTime } from "luxon";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AvailabilityService } from "../../gen/universalcalendar/v1/availability_pb.js";
import { CalendarService, IntegrationStatus } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { SyncService, SyncStatus, SyncType } from "../../gen/universalcalendar/v1/sync_pb.js";
import { GoogleCalendarFake } from "../fakes/google/google-calendar-fake.js";
import { codeOf, connectGoogle, waitForSync } from "../fakes/google/google-oauth-flow.js";
import { client, grpcTransport, serviceKey } from "../support/clients.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

let fake: GoogleCalendarFake;
let server: TestServer;

beforeAll(async () => {
  fake = await GoogleCalendarFake.start();
  server = await startTestServer({ env: fake.env() });
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
});

const sync = () => client(SyncService, grpcTransport(server.baseUrl, serviceKey));
const DAY = 86_400_000;
/** A whole hour some days ahead, inside every sync window. */
const at = (days: number, hour: number) => {
  const d = new Date(Date.now() + days * DAY);
  d.setUTCHours(hour, 0, 0, 0);
  return d.toISOString();
};

interface MirrorRow {
  provider_event_id: string;
  start_time: string;
  end_time: string;
  title: string | null;
  all_day: boolean;
  transparent: boolean;
}

async function mirrorOf(tenantId: string): Promise<Map<string, MirrorRow>> {
  const rows = await server.orm.em
    .fork()
    .getConnection()
    .execute<MirrorRow[]>(
      "select provider_event_id, start_time, end_time, title, all_day, transparent from provider_busy_events where tenant_id = ?",
      [tenantId],
    );
  return new Map(
    rows.map((row) => [row.provider_event_id, { ...row, start_time: new Date(row.start_time).toISOString() }]),
  );
}

/** A tenant with a connected Google account whose first full sync has finished. */
async function connectedTenant(label: string) {
  const tenantId = newTenantId();
  const email = `${label}-${tenantId}@example.test`;
  fake.addAccount(email);
  fake.loginAs(email);
  const connected = await connectGoogle(server, tenantId);
  return { tenantId, email, integrationId: connected.integration.id, firstSync: connected.syncId };
}

async function trigger(tenantId: string, type: SyncType) {
  const res = await sync().triggerSync({ tenantId, provider: Provider.GOOGLE, type });
  return waitForSync(server, res.syncId);
}

async function expireStoredToken(integrationId: string) {
  await server.orm.em
    .fork()
    .getConnection()
    .execute("update calendar_integrations set token_expires_at = now() - interval '1 minute' where id = ?", [
      integrationId,
    ]);
}

describe("full and incremental sync into the mirror", () => {
  it("mirrors creations, moves, deletions and a recurring series with one moved and one cancelled occurrence", async () => {
    const tenantId = newTenantId();
    const email = `sync-${tenantId}@example.test`;
    fake.addAccount(email);
    fake.loginAs(email);
    const keep = fake.insertEvent(email, email, {
      summary: "keep",
      start: { dateTime: at(2, 15) },
      end: { dateTime: at(2, 16) },
    });
    const move = fake.insertEvent(email, email, {
      summary: "move",
      start: { dateTime: at(3, 15) },
      end: { dateTime: at(3, 16) },
    });
    const drop = fake.insertEvent(email, email, {
      summary: "drop",
      start: { dateTime: at(4, 15) },
      end: { dateTime: at(4, 16) },
    });
    fake.insertEvent(email, email, {
      summary: "long ago",
      start: { dateTime: at(-30, 15) },
      end: { dateTime: at(-30, 16) },
    });
    const allDay = DateTime.fromISO(at(6, 0), { zone: "utc" });
    const holiday = fake.insertEvent(email, email, {
      summary: "off",
      start: { date: allDay.toISODate() ?? "" },
      end: { date: allDay.plus({ days: 1 }).toISODate() ?? "" },
      transparency: "transparent",
    });
    const series = fake.insertEvent(email, email, {
      summary: "standup",
      start: { dateTime: at(10, 14) },
      end: { dateTime: at(10, 15) },
      recurrence: ["RRULE:FREQ=DAILY;COUNT=4"],
    });
    const first = await connectGoogle(server, tenantId);
    const full = await waitForSync(server, first.syncId);
    expect(full.status).toBe(SyncStatus.SUCCEEDED);
    expect(full.counts).toMatchObject({ processed: 8, created: 8, updated: 0, deleted: 0 });
    expect(full.progressPercent).toBe(100);
    let mirror = await mirrorOf(tenantId);
    expect([...mirror.keys()].sort()).toEqual(
      [keep, move, drop, holiday, ...[10, 11, 12, 13].map((d) => fake.instanceId(series, at(d, 14)))].sort(),
    );
    expect(mirror.get(holiday)).toMatchObject({ all_day: true, transparent: true });

    const created = fake.insertEvent(email, email, {
      summary: "new",
      start: { dateTime: at(5, 18) },
      end: { dateTime: at(5, 19) },
    });
    fake.updateEvent(email, email, move, { start: { dateTime: at(3, 20) }, end: { dateTime: at(3, 21) } });
    fake.deleteEvent(email, email, drop);
    const moved = fake.modifyInstance(email, email, series, at(11, 14), {
      start: { dateTime: at(11, 17) },
      end: { dateTime: at(11, 18) },
    });
    const cancelled = fake.cancelInstance(email, email, series, at(12, 14));
    fake.insertEvent(email, email, {
      summary: "beyond the horizon",
      start: { dateTime: at(200, 15) },
      end: { dateTime: at(200, 16) },
    });

    fake.resetRequests();
    const incremental = await trigger(tenantId, SyncType.INCREMENTAL);
    expect(incremental.status).toBe(SyncStatus.SUCCEEDED);
    expect(incremental.counts).toMatchObject({ created: 1, updated: 2, deleted: 2 });
    const lists = fake.requests.filter((r) => r.path.endsWith("/events"));
    expect(lists).toHaveLength(1);
    expect(lists[0]?.query.syncToken).toBeTruthy();
    expect(lists[0]?.query.timeMin).toBeUndefined();

    mirror = await mirrorOf(tenantId);
    expect(mirror.has(created)).toBe(true);
    expect(mirror.has(drop)).toBe(false);
    expect(mirror.has(cancelled)).toBe(false);
    expect(mirror.get(move)?.start_time).toBe(at(3, 20));
    expect(mirror.get(moved)?.start_time).toBe(at(11, 17));
    expect(mirror.size).toBe(7);

    const again = await trigger(tenantId, SyncType.INCREMENTAL);
    expect(again.counts).toMatchObject({ processed: 0, created: 0, updated: 0, deleted: 0 });
    const fullAgain = await trigger(tenantId, SyncType.FULL);
    expect(fullAgain.counts).toMatchObject({ processed: 7, created: 0, updated: 0, deleted: 0 });
    expect((await mirrorOf(tenantId)).size).toBe(7);
  });

  it("recovers from an expired sync token (410) with a full sync", async () => {
    const { tenantId, email, firstSync } = await connectedTenant("gone");
    await waitForSync(server, firstSync);
    const ev = fake.insertEvent(email, email, {
      summary: "after",
      start: { dateTime: at(2, 10) },
      end: { dateTime: at(2, 11) },
    });
    fake.expireSyncTokens(email, email);
    fake.resetRequests();
    const job = await trigger(tenantId, SyncType.INCREMENTAL);
    expect(job.status).toBe(SyncStatus.SUCCEEDED);
    const lists = fake.requests.filter((r) => r.path.endsWith("/events"));
    expect(lists.map((r) => r.status)).toEqual([410, 200]);
    expect(lists[1]?.query.timeMin).toBeTruthy();
    expect((await mirrorOf(tenantId)).has(ev)).toBe(true);
    const next = await trigger(tenantId, SyncType.INCREMENTAL);
    expect(next.status).toBe(SyncStatus.SUCCEEDED);
  });

  it("waits out Retry-After on throttling and backs off on 5xx, then records a failure when it persists", async () => {
    const { tenantId, email, firstSync } = await connectedTenant("throttle");
    await waitForSync(server, firstSync);
    fake.insertEvent(email, email, { summary: "x", start: { dateTime: at(2, 10) }, end: { dateTime: at(2, 11) } });
    fake.resetRequests();
    fake.failApiRequests(
      { status: 429, retryAfterSeconds: 1 },
      { status: 500 },
      { status: 403, reason: "rateLimitExceeded", retryAfterSeconds: 1 },
    );
    const job = await trigger(tenantId, SyncType.INCREMENTAL);
    expect(job.status).toBe(SyncStatus.SUCCEEDED);
    const lists = fake.requests.filter((r) => r.path.endsWith("/events"));
    expect(lists.map((r) => r.status)).toEqual([429, 500, 403, 200]);
    // The retry after a 429 came no sooner than the one second Google asked for.
    expect((lists[1]?.at ?? 0) - (lists[0]?.at ?? 0)).toBeGreaterThanOrEqual(990);
    expect((lists[3]?.at ?? 0) - (lists[2]?.at ?? 0)).toBeGreaterThanOrEqual(990);

    fake.resetRequests();
    fake.failApiRequests(...Array.from({ length: 10 }, () => ({ status: 503 })));
    const failed = await trigger(tenantId, SyncType.INCREMENTAL);
    expect(failed.status).toBe(SyncStatus.FAILED);
    expect(failed.errors.join(" ")).toMatch(/unavailable.*503/);
    expect(fake.requests.filter((r) => r.path.endsWith("/events"))).toHaveLength(4);
    fake.clearFailures();
    const status = await client(CalendarService, grpcTransport(server.baseUrl, serviceKey)).getCalendarStatus({
      tenantId,
    });
    expect(status.integrations[0]?.status).toBe(IntegrationStatus.ACTIVE);
  });
});

describe("tokens", () => {
  it("refreshes before expiry, so no call is made with an expiring token", async () => {
    // Tokens that live 2 minutes: inside the 5-minute margin from the start.
    fake.exchangedTokenLifetimeSeconds = 120;
    fake.resetRequests();
    let connected;
    try {
      connected = await connectedTenant("early");
    } finally {
      fake.exchangedTokenLifetimeSeconds = undefined;
    }
    expect((await waitForSync(server, connected.firstSync)).status).toBe(SyncStatus.SUCCEEDED);
    expect(fake.requests.filter((r) => r.path === "/token").map((r) => r.grantType)).toEqual([
      "authorization_code",
      "refresh_token",
    ]);
    const refreshedAt = fake.requests.findIndex((r) => r.grantType === "refresh_token");
    const listedAt = fake.requests.findIndex((r) => r.path.endsWith("/events"));
    expect(listedAt).toBeGreaterThan(refreshedAt);
    expect(fake.requests.some((r) => r.status === 401)).toBe(false);

    // The refreshed token lives an hour: the next sync uses it as it is.
    fake.resetRequests();
    expect((await trigger(connected.tenantId, SyncType.INCREMENTAL)).status).toBe(SyncStatus.SUCCEEDED);
    expect(fake.requests.filter((r) => r.path === "/token")).toHaveLength(0);
  });

  it("refreshes once on a 401 and keeps a rotated refresh token", async () => {
    const { tenantId, integrationId, firstSync } = await connectedTenant("rotate");
    await waitForSync(server, firstSync);
    fake.rotateRefreshTokens = true;
    try {
      for (let round = 0; round < 2; round++) {
        fake.expireAccessTokens();
        fake.resetRequests();
        const job = await trigger(tenantId, SyncType.INCREMENTAL);
        expect(job.status).toBe(SyncStatus.SUCCEEDED);
        expect(fake.requests.filter((r) => r.path === "/token").map((r) => r.grantType)).toEqual(["refresh_token"]);
        expect(fake.requests.filter((r) => r.path.endsWith("/events")).map((r) => r.status)).toEqual([401, 200]);
      }
    } finally {
      fake.rotateRefreshTokens = false;
    }
    const rows = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ status: string }[]>("select status from calendar_integrations where id = ?", [integrationId]);
    expect(rows[0]?.status).toBe("active");
  });

  it("runs one refresh at a time per integration: concurrent callers share it", async () => {
    const { integrationId, firstSync } = await connectedTenant("single");
    await waitForSync(server, firstSync);
    await expireStoredToken(integrationId);
    fake.resetRequests();
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        server.app.credentials.use(integrationId, async (credentials) =>
          credentials.kind === "oauth" ? credentials.accessToken : "",
        ),
      ),
    );
    expect(new Set(results).size).toBe(1);
    expect(fake.requests.filter((r) => r.path === "/token")).toHaveLength(1);
  });

  it("marks the integration 'reauthorization required' on invalid_grant and stops calling Google", async () => {
    const { tenantId, email, integrationId, firstSync } = await connectedTenant("revoked");
    await waitForSync(server, firstSync);
    fake.revokeGrant(email);
    await expireStoredToken(integrationId);
    const job = await trigger(tenantId, SyncType.INCREMENTAL);
    expect(job.status).toBe(SyncStatus.FAILED);
    expect(job.errors.join(" ")).toContain("reauthorization required");
    const status = await client(
      CalendarService,
      grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }),
    ).getCalendarStatus({ tenantId });
    expect(status.integrations[0]).toMatchObject({
      status: IntegrationStatus.ERROR,
      statusReason: "reauthorization required",
    });

    fake.resetRequests();
    const again = await trigger(tenantId, SyncType.FULL);
    expect(again.status).toBe(SyncStatus.FAILED);
    expect(fake.requests).toHaveLength(0);

    // Connecting the account again clears the error.
    fake.loginAs(email);
    const reconnected = await connectGoogle(server, tenantId);
    expect(reconnected.integration.id).toBe(integrationId);
    expect(reconnected.integration.status).toBe(IntegrationStatus.ACTIVE);
    expect((await waitForSync(server, reconnected.syncId)).status).toBe(SyncStatus.SUCCEEDED);
  });
});

describe("SyncService through the server", () => {
  it("streams a job with WatchSync until it ends, and never runs two syncs of one integration at once", async () => {
    const { tenantId, email, firstSync } = await connectedTenant("watch");
    await waitForSync(server, firstSync);
    for (let i = 0; i < 5; i++)
      fake.insertEvent(email, email, {
        summary: `w${i}`,
        start: { dateTime: at(3, 10 + i) },
        end: { dateTime: at(3, 11 + i) },
      });
    fake.apiDelayMs = 150;
    fake.maxConcurrentApiRequests = 0;
    try {
      const [a, b] = await Promise.all([
        sync().triggerSync({ tenantId, provider: Provider.GOOGLE, type: SyncType.FULL }),
        sync().triggerSync({ tenantId, type: SyncType.FULL }),
      ]);
      expect(a.job?.status).toBe(SyncStatus.QUEUED);
      const seen = [];
      for await (const message of sync().watchSync({ syncId: a.syncId })) seen.push(message.job);
      const last = seen.at(-1);
      expect(last?.status).toBe(SyncStatus.SUCCEEDED);
      expect(last?.counts?.processed).toBe(5);
      expect(last?.finishedAt).toBeDefined();
      expect(seen.map((j) => j?.progressPercent)).toEqual(
        [...seen.map((j) => j?.progressPercent)].sort((x = 0, y = 0) => x - y),
      );
      expect((await waitForSync(server, b.syncId)).status).toBe(SyncStatus.SUCCEEDED);
      expect(fake.maxConcurrentApiRequests).toBe(1);
    } finally {
      fake.apiDelayMs = 0;
    }
  });

  it("accepts only the service key and validates its input", async () => {
    const { tenantId, firstSync } = await connectedTenant("auth");
    await waitForSync(server, firstSync);
    const asTenant = client(SyncService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    expect(await codeOf(asTenant.triggerSync({ tenantId, type: SyncType.FULL }))).toBe(Code.PermissionDenied);
    expect(await codeOf(asTenant.getSyncStatus({ syncId: firstSync }))).toBe(Code.PermissionDenied);
    const anonymous = client(SyncService, grpcTransport(server.baseUrl));
    expect(await codeOf(anonymous.triggerSync({ tenantId }))).toBe(Code.Unauthenticated);

    expect(await codeOf(sync().triggerSync({ tenantId: newTenantId() }))).toBe(Code.FailedPrecondition);
    expect(await codeOf(sync().triggerSync({ tenantId: "" }))).toBe(Code.InvalidArgument);
    // Jobber's schedule syncs like a calendar; this tenant has not connected one.
    expect(await codeOf(sync().triggerSync({ tenantId, provider: Provider.JOBBER }))).toBe(Code.FailedPrecondition);
    expect(await codeOf(sync().getSyncStatus({ syncId: "nope" }))).toBe(Code.InvalidArgument);
    expect(await codeOf(sync().getSyncStatus({ syncId: "00000000-0000-4000-8000-000000000000" }))).toBe(Code.NotFound);

    const status = await sync().getSyncStatus({ syncId: firstSync });
    expect(status.job).toMatchObject({
      id: firstSync,
      tenantId,
      provider: Provider.GOOGLE,
      type: SyncType.FULL,
      status: SyncStatus.SUCCEEDED,
    });
  });
});

describe("availability sees the mirror", () => {
  it("a busy Google event removes its slots from CheckAvailability", async () => {
    const tenantId = newTenantId();
    const email = `avail-${tenantId}@example.test`;
    fake.addAccount(email);
    fake.loginAs(email);
    let day = DateTime.now().setZone("America/Chicago").plus({ days: 8 }).startOf("day");
    while (day.weekday > 5) day = day.plus({ days: 1 });
    const busyStart = day.set({ hour: 10 });
    const busyEnd = day.set({ hour: 12 });
    const availability = client(AvailabilityService, grpcTransport(server.baseUrl, serviceKey));
    const slotsOfDay = async () => {
      const res = await availability.checkAvailability({
        tenantId,
        startDate: day.toISODate() ?? "",
        endDate: day.toISODate() ?? "",
        durationMinutes: 60,
        timeZone: "America/Chicago",
      });
      return (res.days[0]?.slots ?? []).map((slot) => ({
        start: Number(slot.startTime?.seconds ?? 0n) * 1000,
        end: Number(slot.endTime?.seconds ?? 0n) * 1000,
      }));
    };
    const overlapsBusy = (s: { start: number; end: number }) =>
      s.start < busyEnd.toMillis() && s.end > busyStart.toMillis();
    expect((await slotsOfDay()).some(overlapsBusy)).toBe(true);

    fake.insertEvent(email, email, {
      summary: "boiler",
      start: { dateTime: busyStart.toUTC().toISO() ?? "" },
      end: { dateTime: busyEnd.toUTC().toISO() ?? "" },
    });
    const { syncId } = await connectGoogle(server, tenantId);
    expect((await waitForSync(server, syncId)).status).toBe(SyncStatus.SUCCEEDED);
    const after = await slotsOfDay();
    expect(after.length).toBeGreaterThan(0);
    expect(after.some(overlapsBusy)).toBe(false);
  });
});
