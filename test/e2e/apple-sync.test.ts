import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CalendarService, IntegrationStatus } from "../../gen/universalcalendar/v1/calendar_pb.js";
import { Provider } from "../../gen/universalcalendar/v1/common_pb.js";
import { SyncService, SyncStatus, SyncType } from "../../gen/universalcalendar/v1/sync_pb.js";
import { CalendarIntegrationSchema } from "../../src/entities/calendar-integration.js";
import { ProviderBusyEventSchema } from "../../src/entities/provider-busy-event.js";
import { client, connectTransport, grpcTransport, serviceKey } from "../support/clients.js";
import { startRadicale, type RadicaleServer } from "../support/radicale.js";
import { mintJwt, newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

const DAY = 86_400_000;
/** Midnight UTC two days from now: inside any sync window the engine picks. */
const base = new Date(Math.floor(Date.now() / DAY) * DAY + 2 * DAY);
const hours = (h: number) => new Date(base.getTime() + h * 3_600_000);
const stamp = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

let radicale: RadicaleServer;
let server: TestServer;

beforeAll(async () => {
  radicale = await startRadicale({ username: "crew@icloud.example", password: "wxyz-abcd-efgh-ijkl" });
  server = await startTestServer({ env: { APPLE_CALDAV_URL: radicale.baseUrl } });
});

afterAll(async () => {
  await server?.close();
  await radicale?.stop();
});

function ics(uid: string, lines: string[]): string {
  return [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Apple Inc.//macOS 15.1//EN",
    "BEGIN:VEVENT",
    `UID:${uid}`,
    "DTSTAMP:20261101T000000Z",
    ...lines,
    "END:VEVENT",
    "END:VCALENDAR",
    "",
  ].join("\r\n");
}

async function put(name: string, body: string): Promise<void> {
  const res = await radicale.request("PUT", `${radicale.calendarUrl}${name}.ics`, body, {
    "content-type": "text/calendar",
  });
  expect([201, 204]).toContain(res.status);
}

const syncClient = () => client(SyncService, grpcTransport(server.baseUrl, serviceKey));

async function sync(tenantId: string, type: SyncType) {
  const { syncId } = await syncClient().triggerSync({ tenantId, provider: Provider.APPLE, type });
  for (;;) {
    const { job } = await syncClient().getSyncStatus({ syncId });
    if (job && (job.status === SyncStatus.SUCCEEDED || job.status === SyncStatus.FAILED)) return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function mirror(tenantId: string) {
  const rows = await server.orm.em.fork().find(ProviderBusyEventSchema, { tenantId });
  return new Map(rows.map((row) => [row.providerEventId, row]));
}

describe("Apple through the server (real Radicale)", () => {
  it("refuses bad credentials and stores nothing", async () => {
    const tenantId = newTenantId();
    const calendars = client(CalendarService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));

    const error = await calendars
      .connectCalendar({
        tenantId,
        provider: Provider.APPLE,
        appleCredentials: { appleId: radicale.username, appSpecificPassword: "not-the-password" },
      })
      .catch((e: unknown) => ConnectError.from(e));

    expect(error).toBeInstanceOf(ConnectError);
    expect([Code.PermissionDenied, Code.InvalidArgument]).toContain((error as ConnectError).code);
    expect((await calendars.getCalendarStatus({ tenantId })).integrations).toEqual([]);
    expect(await server.orm.em.fork().count(CalendarIntegrationSchema, { tenantId })).toBe(0);
  });

  it("connects at once with an app-specific password and mirrors a full then an incremental sync", async () => {
    await put("job", ics("job", [`DTSTART:${stamp(hours(9))}`, `DTEND:${stamp(hours(10))}`, "SUMMARY:Job"]));
    await put("goes", ics("goes", [`DTSTART:${stamp(hours(11))}`, `DTEND:${stamp(hours(12))}`]));
    await put("free", ics("free", [`DTSTART:${stamp(hours(13))}`, `DTEND:${stamp(hours(14))}`, "TRANSP:TRANSPARENT"]));

    const tenantId = newTenantId();
    const calendars = client(CalendarService, connectTransport(server.baseUrl, { jwt: await mintJwt(tenantId) }));
    const connected = await calendars.connectCalendar({
      tenantId,
      provider: Provider.APPLE,
      appleCredentials: { appleId: radicale.username, appSpecificPassword: radicale.password },
    });
    expect(connected.connected).toBe(true);
    expect(connected.authorizationUrl).toBe("");
    expect(connected.integration).toMatchObject({
      provider: Provider.APPLE,
      accountEmail: radicale.username,
      status: IntegrationStatus.ACTIVE,
    });
    expect(connected.integration!.calendars.map((c) => c.id)).toContain(radicale.calendarUrl);

    const stored = await server.orm.em
      .fork()
      .getConnection()
      .execute<{ row: string }[]>(
        "select row_to_json(i)::text as row from calendar_integrations i where tenant_id = ?",
        [tenantId],
      );
    expect(stored).toHaveLength(1);
    expect(stored[0]!.row).not.toContain(radicale.password);

    const full = await sync(tenantId, SyncType.FULL);
    expect(full.status).toBe(SyncStatus.SUCCEEDED);
    let rows = await mirror(tenantId);
    expect([...rows.keys()].sort()).toEqual(["free", "goes", "job"]);
    expect(rows.get("free")).toMatchObject({ transparent: true });
    expect(rows.get("job")!.startTime).toEqual(hours(9));

    // A move, a deletion, and a daily series of three with its second instance cancelled.
    await put("job", ics("job", [`DTSTART:${stamp(hours(15))}`, `DTEND:${stamp(hours(16))}`, "SUMMARY:Job"]));
    expect((await radicale.request("DELETE", `${radicale.calendarUrl}goes.ics`)).status).toBe(200);
    await put(
      "daily",
      [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Apple Inc.//macOS 15.1//EN",
        "BEGIN:VEVENT",
        "UID:daily",
        "DTSTAMP:20261101T000000Z",
        `DTSTART:${stamp(hours(24 + 7))}`,
        `DTEND:${stamp(hours(24 + 8))}`,
        "RRULE:FREQ=DAILY;COUNT=3",
        "END:VEVENT",
        "BEGIN:VEVENT",
        "UID:daily",
        "DTSTAMP:20261101T000000Z",
        `RECURRENCE-ID:${stamp(hours(48 + 7))}`,
        `DTSTART:${stamp(hours(48 + 7))}`,
        `DTEND:${stamp(hours(48 + 8))}`,
        "STATUS:CANCELLED",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
      ].join("\r\n"),
    );

    const incremental = await sync(tenantId, SyncType.INCREMENTAL);

    expect(incremental.status).toBe(SyncStatus.SUCCEEDED);
    rows = await mirror(tenantId);
    const daily = (h: number) => `daily::${stamp(hours(h))}`;
    expect([...rows.keys()].sort()).toEqual([daily(24 + 7), daily(48 + 7), daily(72 + 7), "free", "job"].sort());
    expect(rows.get("job")!.startTime).toEqual(hours(15));
    expect(rows.get(daily(48 + 7))).toMatchObject({ status: "cancelled" });
    expect(rows.get(daily(72 + 7))).toMatchObject({ status: "confirmed" });
  });
});
