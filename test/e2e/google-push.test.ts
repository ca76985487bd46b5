import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AvailabilityService } from "../../gen/universalcalendar/v1/availability_pb.js";
import { CalendarService, PushChannelState } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { ConflictKind, Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { SyncService, SyncType } from "../../gen/universalcalendar/v1/sync_pb.js";
import { Code, ConnectError } from "@connectrpc/connect";
import { maintainChannels } from "../../src/app/channels/maintain-channels.js";
import { WebhookChannelSchema } from "../../src/entities/webhook-channel.js";
import { GoogleCalendarFake } from "../fakes/google/google-calendar-fake.js";
import { connectGoogle, waitForSync } from "../fakes/google/google-oauth-flow.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, grpcTransport, serviceKey } from "../support/clients.js";
import { errorOf } from "../support/errors.js";
import { eventually, reachableServerEnv } from "../support/free-port.js";
import { MutableClock } from "../support/mutable-clock.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

let fake: GoogleCalendarFake;
let server: TestServer;
const clock = new MutableClock();
const DAY = 86_400_000;

beforeAll(async () => {
  fake = await GoogleCalendarFake.start();
  server = await startTestServer({ env: { ...fake.env(), ...(await reachableServerEnv()) }, clock });
});
afterAll(async () => {
  await server?.close();
  await fake?.close();
});

async function channelsOf(integrationId: string) {
  return server.orm.em.fork().find(WebhookChannelSchema, { integrationId }, { orderBy: { createdAt: "asc" } });
}

async function syncCount(integrationId: string): Promise<number> {
  const [row] = await server.orm.em
    .fork()
    .getConnection()
    .execute<{ n: string }[]>("select count(*) as n from sync_jobs where integration_id = ?", [integrationId]);
  return Number(row?.n ?? 0);
}

async function idle(integrationId: string): Promise<void> {
  await eventually(async () => {
    const [row] = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ n: string }[]>(
        "select count(*) as n from sync_jobs where integration_id = ? and status in ('queued', 'running')",
        [integrationId],
      );
    return Number(row?.n) === 0;
  }, 15_000);
}

/** A tenant connected to Google whose first sync finished and whose channel is open and confirmed. */
async function connectedTenant(label: string) {
  const tenantId = newTenantId();
  const email = `${label}-${tenantId}@example.test`;
  fake.addAccount(email);
  fake.loginAs(email);
  const connected = await connectGoogle(server, tenantId);
  await waitForSync(server, connected.syncId);
  const integrationId = connected.integration.id;
  const [channel] = await eventually(async () => {
    const rows = await channelsOf(integrationId);
    return rows.length > 0 && rows;
  });
  await eventually(async () =>
    fake.push.delivered.some((d) => d.channelId === channel!.channelId && d.state === "sync"),
  );
  await idle(integrationId);
  return { tenantId, email, integrationId, channel: channel! };
}

function post(headers: Record<string, string>) {
  return fetch(`${server.baseUrl}/webhooks/google`, { method: "POST", headers });
}

describe("Google push channels", () => {
  it("opens a channel per checked calendar after connecting, storing the expiry Google answered", async () => {
    const { email, channel } = await connectedTenant("open");
    const atGoogle = fake.push.channels.get(channel.channelId);
    expect(atGoogle?.calendarKey).toBe(`${email} ${email}`);
    expect(channel.resourceId).toBe(atGoogle?.resourceId);
    expect(channel.expiresAt?.getTime()).toBe(atGoogle?.expiration);
    expect(channel.channelId.length).toBeLessThanOrEqual(64);
    // The "sync" message was acknowledged without a sync.
    expect(fake.push.delivered.find((d) => d.channelId === channel.channelId)?.status).toBe(202);
  });

  it("refuses a missing or wrong channel token with 401 and queues nothing", async () => {
    const { integrationId, channel } = await connectedTenant("forged");
    const before = await syncCount(integrationId);
    const genuine = fake.push.headersFor(fake.push.channels.get(channel.channelId)!, "exists");
    const forged = await post({ ...genuine, "X-Goog-Channel-Token": "guess" });
    const missing = await post({ "X-Goog-Channel-ID": channel.channelId, "X-Goog-Resource-State": "exists" });
    const otherChannel = await post({ ...genuine, "X-Goog-Channel-ID": `${integrationId}-0000000000000000` });
    expect([forged.status, missing.status, otherChannel.status]).toEqual([401, 401, 401]);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await syncCount(integrationId)).toBe(before);
  });

  it("coalesces a burst of ten notifications, replays included, into one incremental sync", async () => {
    const { integrationId, channel } = await connectedTenant("burst");
    const before = await syncCount(integrationId);
    const atGoogle = fake.push.channels.get(channel.channelId)!;
    const headers = fake.push.headersFor(atGoogle, "exists");
    const answers = await Promise.all(Array.from({ length: 10 }, () => post(headers)));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(202));
    await eventually(async () => (await syncCount(integrationId)) > before);
    await idle(integrationId);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(await syncCount(integrationId)).toBe(before + 1);
    const [row] = await channelsOf(integrationId);
    expect(row?.lastNotificationAt).toBeInstanceOf(Date);
  });

  it("makes a change in Google visible in CheckAvailability soon after its notification", async () => {
    const { tenantId, email, integrationId } = await connectedTenant("fresh");
    // A weekday a few days ahead, 16:00-17:00 UTC: inside business hours in the calendar's zone (America/Chicago).
    let day = new Date(Math.floor(Date.now() / DAY) * DAY + 3 * DAY);
    while ([0, 6].includes(day.getUTCDay())) day = new Date(day.getTime() + DAY);
    const date = day.toISOString().slice(0, 10);
    const slotAt = `${date}T16:00:00.000Z`;
    const availability = client(AvailabilityService, grpcTransport(server.baseUrl, serviceKey));
    const hasSlot = async () => {
      const res = await availability.checkAvailability({
        tenantId,
        startDate: date,
        endDate: date,
        durationMinutes: 60,
      });
      return res.days
        .flatMap((d) => d.slots)
        .some((s) => s.startTime && new Date(Number(s.startTime.seconds) * 1000).toISOString() === slotAt);
    };
    expect(await hasSlot()).toBe(true);
    fake.insertEvent(email, email, {
      summary: "emergency call-out",
      start: { dateTime: slotAt },
      end: { dateTime: `${date}T17:00:00.000Z` },
    });
    const notified = await eventually(async () =>
      fake.push.delivered.find((d) => d.state === "exists" && d.channelId.startsWith(integrationId)),
    );
    await eventually(async () => !(await hasSlot()), 10_000);
    const visibleAfterMs = Date.now() - notified.at;
    // Timing goals live in bench/; this bound only catches a push that never lands.
    expect(visibleAfterMs).toBeLessThan(10_000);
  });

  it("renews a channel before it expires: a new channel first, then the old one stopped", async () => {
    const { integrationId, channel } = await connectedTenant("renew");
    await maintainChannels(server.app, integrationId);
    expect((await channelsOf(integrationId)).map((c) => c.channelId)).toEqual([channel.channelId]);

    clock.advance(6.5 * DAY);
    try {
      await maintainChannels(server.app, integrationId);
    } finally {
      clock.advance(-6.5 * DAY);
    }
    const renewed = await channelsOf(integrationId);
    expect(renewed).toHaveLength(1);
    expect(renewed[0]?.channelId).not.toBe(channel.channelId);
    expect(fake.push.stopped).toContain(channel.channelId);
    expect(fake.push.channels.has(renewed[0]!.channelId)).toBe(true);
  });

  it("re-creates a channel Google no longer has, and stops a channel it no longer tracks when it pushes", async () => {
    const { email, integrationId, channel } = await connectedTenant("orphan");
    // We forget the channel; Google still pushes to it: it is stopped with the ids from the headers.
    await server.orm.em.fork().nativeDelete(WebhookChannelSchema, { id: channel.id });
    fake.insertEvent(email, email, {
      summary: "x",
      start: { dateTime: new Date(Date.now() + 2 * DAY).toISOString() },
      end: { dateTime: new Date(Date.now() + 2 * DAY + 3_600_000).toISOString() },
    });
    await eventually(async () => fake.push.stopped.includes(channel.channelId));
    // The next upkeep opens a channel again for the calendar that has none.
    await maintainChannels(server.app, integrationId);
    const [reopened] = await channelsOf(integrationId);
    expect(reopened?.channelId).not.toBe(channel.channelId);
    expect(fake.push.channels.has(reopened!.channelId)).toBe(true);
  });

  it("stops its channels on disconnect", async () => {
    const { tenantId, integrationId, channel } = await connectedTenant("disconnect");
    const calendars = client(CalendarService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    await calendars.disconnectCalendar({ integrationId });
    expect(fake.push.stopped).toContain(channel.channelId);
    expect(await channelsOf(integrationId)).toEqual([]);
  });

  it("shows channel health in GetCalendarStatus", async () => {
    const { tenantId, email, channel } = await connectedTenant("health");
    fake.insertEvent(email, email, {
      summary: "ping",
      start: { dateTime: new Date(Date.now() + 2 * DAY).toISOString() },
      end: { dateTime: new Date(Date.now() + 2 * DAY + 3_600_000).toISOString() },
    });
    const calendars = client(CalendarService, grpcTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    const status = await eventually(async () => {
      const res = await calendars.getCalendarStatus({ tenantId });
      const pushed = res.integrations[0]?.pushChannels[0];
      return pushed?.lastNotificationAt && pushed;
    });
    expect(status.state).toBe(PushChannelState.ACTIVE);
    expect(status.calendarId).toBe(email);
    expect(Number(status.expiresAt?.seconds) * 1000).toBe(Math.floor(channel.expiresAt!.getTime() / 1000) * 1000);
    expect(status.failedRenewals).toBe(0);
  });
});

describe("freshness on demand", () => {
  const availability = () => client(AvailabilityService, grpcTransport(server.baseUrl, serviceKey));

  /** A tenant whose channel has lapsed silently and whose mirror is an hour old, with a new event in Google. */
  async function staleTenant(label: string) {
    const tenant = await connectedTenant(label);
    fake.push.lapse(tenant.channel.channelId);
    await server.orm.em
      .fork()
      .getConnection()
      .execute("update calendar_integrations set last_synced_at = now() - interval '1 hour' where id = ?", [
        tenant.integrationId,
      ]);
    let day = new Date(Math.floor(Date.now() / DAY) * DAY + 4 * DAY);
    while ([0, 6].includes(day.getUTCDay())) day = new Date(day.getTime() + DAY);
    const date = day.toISOString().slice(0, 10);
    fake.insertEvent(tenant.email, tenant.email, {
      summary: "booked by phone",
      start: { dateTime: `${date}T15:00:00.000Z` },
      end: { dateTime: `${date}T23:00:00.000Z` },
    });
    return { ...tenant, date };
  }

  it("syncs an integration older than max_staleness_seconds before answering, and says how fresh", async () => {
    const { tenantId, integrationId, date } = await staleTenant("stale");
    const request = { tenantId, startDate: date, endDate: date, durationMinutes: 60 };
    const fromMirror = await availability().checkAvailability(request);
    expect(fromMirror.totalSlots).toBeGreaterThan(0);
    expect(fromMirror.dataAsOf).toEqual([]);
    const asked = Date.now();
    const fresh = await availability().checkAvailability({ ...request, maxStalenessSeconds: 60 });
    expect(fresh.totalSlots).toBe(0);
    expect(fresh.dataAsOf).toHaveLength(1);
    expect(fresh.dataAsOf[0]).toMatchObject({ integrationId, provider: Provider.GOOGLE, stale: false });
    expect(Number(fresh.dataAsOf[0]!.asOf!.seconds) * 1000).toBeGreaterThanOrEqual(Math.floor(asked / 1000) * 1000);
  });

  it("answers from the mirror past the time budget, marked stale", async () => {
    const { tenantId, date } = await staleTenant("slow");
    fake.apiDelayMs = 4_000;
    try {
      const started = Date.now();
      const res = await availability().checkAvailability({
        tenantId,
        startDate: date,
        endDate: date,
        durationMinutes: 60,
        maxStalenessSeconds: 60,
      });
      expect(Date.now() - started).toBeLessThan(3_500);
      expect(res.totalSlots).toBeGreaterThan(0);
      expect(res.dataAsOf[0]?.stale).toBe(true);
    } finally {
      fake.apiDelayMs = 0;
    }
  });

  it("refuses a max_staleness_seconds out of range naming the field", async () => {
    const { tenantId, date } = await staleTenant("range");
    const error = await availability()
      .checkAvailability({ tenantId, startDate: date, endDate: date, durationMinutes: 60, maxStalenessSeconds: -1 })
      .then(
        () => undefined,
        (e: unknown) => ConnectError.from(e),
      );
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.rawMessage).toMatch(/max_staleness_seconds/);
  });

  it("HoldSlot syncs stale calendars first with max_staleness_seconds; an out-of-range value names the field", async () => {
    const { tenantId, integrationId, date } = await staleTenant("hold");
    const slot = {
      tenantId,
      startTime: timestampFromDate(new Date(`${date}T16:00:00Z`)),
      endTime: timestampFromDate(new Date(`${date}T17:00:00Z`)),
    };
    const syncsBefore = await syncCount(integrationId);
    for (const maxStalenessSeconds of [-1, 604_801]) {
      const bad = await errorOf(availability().holdSlot({ ...slot, maxStalenessSeconds }));
      expect([bad.code, bad.rawMessage]).toEqual([
        Code.InvalidArgument,
        expect.stringMatching(/^max_staleness_seconds:/),
      ]);
    }
    expect(await syncCount(integrationId)).toBe(syncsBefore);
    // From the stale mirror the slot looks free (the hold is released again).
    const fromMirror = await availability().holdSlot(slot);
    expect([fromMirror.held, fromMirror.dataAsOf]).toEqual([true, []]);
    await availability().releaseHold({ tenantId, holdToken: fromMirror.hold!.holdToken });

    const fresh = await availability().holdSlot({ ...slot, maxStalenessSeconds: 60 });
    expect(fresh.held).toBe(false);
    expect(fresh.conflicts.map((c) => [c.kind, c.title])).toEqual([[ConflictKind.CALENDAR_EVENT, "booked by phone"]]);
    expect(fresh.dataAsOf).toHaveLength(1);
    expect(fresh.dataAsOf[0]).toMatchObject({ integrationId, provider: Provider.GOOGLE, stale: false });
  });

  it("ConfirmHold with max_staleness_seconds syncs first and refuses a held time that became busy, keeping the hold", async () => {
    const { tenantId, integrationId, date } = await staleTenant("confirm");
    const held = await availability().holdSlot({
      tenantId,
      startTime: timestampFromDate(new Date(`${date}T16:00:00Z`)),
      endTime: timestampFromDate(new Date(`${date}T17:00:00Z`)),
    });
    expect(held.held).toBe(true);
    const holdToken = held.hold!.holdToken;
    const details = appointmentRequest(tenantId, `${date}T16:00:00Z`, `${date}T17:00:00Z`);
    const badNested = await errorOf(
      availability().confirmHold({ holdToken, appointment: { ...details, maxStalenessSeconds: -1 } }),
    );
    expect([badNested.code, badNested.rawMessage]).toEqual([
      Code.InvalidArgument,
      expect.stringMatching(/^max_staleness_seconds:/),
    ]);

    const refused = await errorOf(
      availability().confirmHold({ holdToken, appointment: details, maxStalenessSeconds: 60 }),
    );
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(refused.rawMessage).toMatch(/^hold_token: the held time has become busy \(calendar_event /);
    const [row] = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ last_synced_at: Date }[]>("select last_synced_at from calendar_integrations where id = ?", [
        integrationId,
      ]);
    expect(Date.now() - new Date(row!.last_synced_at).getTime()).toBeLessThan(60_000);

    // The hold is still there: without the check it converts (the caller's choice).
    const confirmed = await availability().confirmHold({ holdToken, appointment: details });
    expect(confirmed.appointment?.startTime?.seconds).toBe(BigInt(Date.parse(`${date}T16:00:00Z`) / 1000));
    expect(confirmed.dataAsOf).toEqual([]);

    // A free time converts with the check, answering how fresh the mirror was.
    const morning = await availability().holdSlot({
      tenantId,
      startTime: timestampFromDate(new Date(`${date}T10:00:00Z`)),
      endTime: timestampFromDate(new Date(`${date}T11:00:00Z`)),
    });
    const checked = await availability().confirmHold({
      holdToken: morning.hold!.holdToken,
      appointment: appointmentRequest(tenantId, `${date}T10:00:00Z`, `${date}T11:00:00Z`),
      maxStalenessSeconds: 3_600,
    });
    expect(checked.appointment?.id).toBeTruthy();
    expect(checked.dataAsOf[0]).toMatchObject({ integrationId, stale: false });
  });

  it("TriggerSync answers the last sync time and an estimate from recent syncs", async () => {
    const { tenantId, integrationId } = await connectedTenant("estimate");
    const sync = client(SyncService, grpcTransport(server.baseUrl, serviceKey));
    const res = await sync.triggerSync({ tenantId, provider: Provider.GOOGLE, type: SyncType.FULL });
    const [row] = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ last_synced_at: Date }[]>("select last_synced_at from calendar_integrations where id = ?", [
        integrationId,
      ]);
    expect(Number(res.lastSyncAt?.seconds)).toBe(Math.floor(new Date(row!.last_synced_at).getTime() / 1000));
    expect(res.estimatedDurationSeconds).toBeGreaterThanOrEqual(1);
    await waitForSync(server, res.syncId);
  });
});
