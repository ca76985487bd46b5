import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderError } from "../../src/providers/kit/provider-error.js";
import type { ChangeSet, ProviderEvent } from "../../src/providers/calendar/calendar-provider.js";
import { createAppleProvider } from "../../src/providers/calendar/apple/apple-provider.js";
import { startRadicale, type RadicaleServer } from "../support/radicale.js";
import { testConfig } from "../support/test-server.js";

const at = (iso: string) => new Date(iso);
const window = { start: at("2026-11-20T00:00:00Z"), end: at("2026-12-31T00:00:00Z") };

const NEW_YORK = `BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE`;

function ics(...components: string[]): string {
  return [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//Apple Inc.//iPhone OS 18.1//EN",
    "CALSCALE:GREGORIAN",
    ...components,
    "END:VCALENDAR",
    "",
  ]
    .join("\r\n")
    .replace(/\r?\n/g, "\r\n");
}

function vevent(uid: string, lines: string[]): string {
  return ["BEGIN:VEVENT", `UID:${uid}`, "DTSTAMP:20261101T000000Z", ...lines, "END:VEVENT"].join("\r\n");
}

/** The weekly series: 4 Tuesdays at 09:00 New York; #2 excluded, #3 moved to 14:00, #4 cancelled. */
function weeklySeries(extraExdate?: string): string {
  return ics(
    NEW_YORK,
    vevent("weekly", [
      "DTSTART;TZID=America/New_York:20261201T090000",
      "DTEND;TZID=America/New_York:20261201T100000",
      "RRULE:FREQ=WEEKLY;COUNT=4",
      `EXDATE;TZID=America/New_York:20261208T090000${extraExdate ? `,${extraExdate}` : ""}`,
      "SUMMARY:Weekly crew meeting",
    ]),
    vevent("weekly", [
      "RECURRENCE-ID;TZID=America/New_York:20261215T090000",
      "DTSTART;TZID=America/New_York:20261215T140000",
      "DTEND;TZID=America/New_York:20261215T150000",
      "SUMMARY:Weekly crew meeting (moved)",
    ]),
    vevent("weekly", [
      "RECURRENCE-ID;TZID=America/New_York:20261222T090000",
      "DTSTART;TZID=America/New_York:20261222T090000",
      "DTEND;TZID=America/New_York:20261222T100000",
      "STATUS:CANCELLED",
      "SUMMARY:Weekly crew meeting",
    ]),
  );
}

let radicale: RadicaleServer;
let provider: ReturnType<typeof createAppleProvider>;
let credentials: { kind: "basic"; username: string; password: string };

async function put(calendarUrl: string, name: string, body: string): Promise<void> {
  const res = await radicale.request("PUT", `${calendarUrl}${name}.ics`, body, {
    "content-type": "text/calendar; charset=utf-8",
  });
  expect([201, 204]).toContain(res.status);
}

async function remove(calendarUrl: string, name: string): Promise<void> {
  const res = await radicale.request("DELETE", `${calendarUrl}${name}.ics`);
  expect(res.status).toBe(200);
}

function changes(set: ChangeSet) {
  if (set.kind !== "changes") throw new Error(`expected changes, got ${set.kind}`);
  return set;
}

const byId = (events: ProviderEvent[]) => new Map(events.map((e) => [e.providerEventId, e]));

beforeAll(async () => {
  radicale = await startRadicale();
  provider = createAppleProvider({
    caldavUrl: testConfig({ APPLE_CALDAV_URL: radicale.baseUrl }).appleCaldavUrl,
    requestTimeoutMs: 30_000,
  });
  credentials = { kind: "basic", username: radicale.username, password: radicale.password };
});

afterAll(() => radicale?.stop());

describe("Apple CalDAV adapter against a real Radicale", () => {
  it("verifies credentials by discovery and refuses bad ones as unauthorized", async () => {
    expect(await provider.verify(credentials)).toEqual({ email: radicale.username });

    const error = await provider.verify({ ...credentials, password: "wrong-app-password" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: "unauthorized", status: 401 });
    expect((error as Error).message).not.toContain("wrong-app-password");

    const listing = await provider
      .listEvents({ ...credentials, password: "nope" }, radicale.calendarUrl, window)
      .catch((e: unknown) => e);
    expect(listing).toMatchObject({ kind: "unauthorized" });
  });

  it("lists the event calendars of the calendar home", async () => {
    const extra = await radicale.makeCalendar("family");
    const calendars = await provider.listCalendars(credentials);
    expect(calendars.map((c) => c.id).sort()).toEqual([extra, radicale.calendarUrl].sort());
    expect(calendars.find((c) => c.id === radicale.calendarUrl)).toMatchObject({ name: "work", writable: true });
    expect(calendars.filter((c) => c.primary)).toHaveLength(1);
  });

  it("lists the window with recurring series expanded, then replays sync-collection changes", async () => {
    const calendar = await radicale.makeCalendar("sync");
    await put(
      calendar,
      "job",
      ics(
        NEW_YORK,
        vevent("job", [
          "DTSTART;TZID=America/New_York:20261125T100000",
          "DTEND;TZID=America/New_York:20261125T113000",
          "SUMMARY:Boiler job",
        ]),
      ),
    );
    await put(
      calendar,
      "moves",
      ics(vevent("moves", ["DTSTART:20261126T150000Z", "DTEND:20261126T160000Z", "SUMMARY:Moves"])),
    );
    await put(
      calendar,
      "goes",
      ics(vevent("goes", ["DTSTART:20261127T150000Z", "DTEND:20261127T160000Z", "SUMMARY:Goes"])),
    );
    await put(
      calendar,
      "holiday",
      ics(vevent("holiday", ["DTSTART;VALUE=DATE:20261126", "DTEND;VALUE=DATE:20261128", "SUMMARY:Thanksgiving"])),
    );
    await put(
      calendar,
      "free",
      ics(
        vevent("free", ["DTSTART:20261130T120000Z", "DTEND:20261130T130000Z", "TRANSP:TRANSPARENT", "SUMMARY:Lunch"]),
      ),
    );
    await put(
      calendar,
      "off",
      ics(vevent("off", ["DTSTART:20261130T140000Z", "DTEND:20261130T150000Z", "STATUS:CANCELLED"])),
    );
    await put(
      calendar,
      "invite",
      ics(
        vevent("invite", [
          "DTSTART:20261130T160000Z",
          "DTEND:20261130T170000Z",
          "STATUS:TENTATIVE",
          "SUMMARY:Supplier call",
          "ORGANIZER:mailto:boss@example.test",
          `ATTENDEE;PARTSTAT=DECLINED;CN=Owner:mailto:${radicale.username.toUpperCase()}`,
        ]),
      ),
    );
    await put(calendar, "later", ics(vevent("later", ["DTSTART:20270301T150000Z", "DTEND:20270301T160000Z"])));

    const full = await provider.listEvents(credentials, calendar, window);

    const events = byId(full.events);
    expect([...events.keys()].sort()).toEqual(["free", "goes", "holiday", "invite", "job", "moves", "off"]);
    expect(events.get("job")).toMatchObject({
      start: at("2026-11-25T15:00:00Z"),
      end: at("2026-11-25T16:30:00Z"),
      allDay: false,
      status: "confirmed",
      transparent: false,
      title: "Boiler job",
    });
    expect(events.get("job")!.etag).toBeTruthy();
    expect(events.get("holiday")).toMatchObject({
      allDay: true,
      startDate: "2026-11-26",
      endDate: "2026-11-28",
      start: at("2026-11-26T00:00:00Z"),
      end: at("2026-11-28T00:00:00Z"),
    });
    expect(events.get("free")).toMatchObject({ transparent: true, status: "confirmed" });
    expect(events.get("off")).toMatchObject({ status: "cancelled" });
    expect(events.get("invite")).toMatchObject({ status: "tentative", responseStatus: "declined" });
    expect(JSON.parse(full.nextSyncState!).token).toMatch(/^http:\/\/radicale\.org\/ns\/sync\//);

    // Creations, a move, a deletion and a recurring series with an exception and a cancelled instance.
    await put(
      calendar,
      "new",
      ics(vevent("new", ["DTSTART:20261203T150000Z", "DTEND:20261203T160000Z", "SUMMARY:New"])),
    );
    await put(
      calendar,
      "moves",
      ics(vevent("moves", ["DTSTART:20261202T080000Z", "DTEND:20261202T090000Z", "SUMMARY:Moves"])),
    );
    await remove(calendar, "goes");
    await put(calendar, "weekly", weeklySeries());

    const first = changes(await provider.listChanges(credentials, calendar, full.nextSyncState!, window));

    const upserts = byId(first.upserts);
    expect([...upserts.keys()].sort()).toEqual([
      "moves",
      "new",
      "weekly::20261201T140000Z",
      "weekly::20261215T140000Z",
      "weekly::20261222T140000Z",
    ]);
    expect(upserts.get("moves")).toMatchObject({ start: at("2026-12-02T08:00:00Z"), end: at("2026-12-02T09:00:00Z") });
    expect(upserts.get("weekly::20261201T140000Z")).toMatchObject({
      start: at("2026-12-01T14:00:00Z"),
      end: at("2026-12-01T15:00:00Z"),
      status: "confirmed",
      title: "Weekly crew meeting",
    });
    // The exception keeps its RECURRENCE-ID key and carries its own time and title.
    expect(upserts.get("weekly::20261215T140000Z")).toMatchObject({
      start: at("2026-12-15T19:00:00Z"),
      end: at("2026-12-15T20:00:00Z"),
      title: "Weekly crew meeting (moved)",
    });
    expect(upserts.get("weekly::20261222T140000Z")).toMatchObject({ status: "cancelled" });
    expect(first.deletions).toEqual(["goes"]);

    // Excluding another instance of the series retracts it; nothing else changes.
    await put(calendar, "weekly", weeklySeries("20261201T090000"));
    const second = changes(await provider.listChanges(credentials, calendar, first.nextSyncState, window));
    expect(second.deletions).toEqual(["weekly::20261201T140000Z"]);
    expect(second.upserts.map((e) => e.providerEventId).sort()).toEqual([
      "weekly::20261215T140000Z",
      "weekly::20261222T140000Z",
    ]);

    const quiet = changes(await provider.listChanges(credentials, calendar, second.nextSyncState, window));
    expect(quiet).toMatchObject({ upserts: [], deletions: [] });

    // Deleting the whole series retracts every instance we reported.
    await remove(calendar, "weekly");
    const gone = changes(await provider.listChanges(credentials, calendar, quiet.nextSyncState, window));
    expect(gone.deletions.sort()).toEqual(["weekly::20261215T140000Z", "weekly::20261222T140000Z"]);
  });

  it("answers full_sync_required for a sync-token the server rejects or a state it cannot read", async () => {
    const full = await provider.listEvents(credentials, radicale.calendarUrl, window);
    const state = JSON.parse(full.nextSyncState!) as { token: string };
    const forged = JSON.stringify({
      ...state,
      token: "http://radicale.org/ns/sync/0000000000000000000000000000000000000000",
    });

    expect(await provider.listChanges(credentials, radicale.calendarUrl, forged, window)).toEqual({
      kind: "full_sync_required",
    });
    expect(await provider.listChanges(credentials, radicale.calendarUrl, "{not json", window)).toEqual({
      kind: "full_sync_required",
    });
  });

  it("falls back to an etag diff of the window when there is no sync-token", async () => {
    const calendar = await radicale.makeCalendar("etags");
    await put(calendar, "a", ics(vevent("a", ["DTSTART:20261201T150000Z", "DTEND:20261201T160000Z"])));
    await put(calendar, "b", ics(vevent("b", ["DTSTART:20261202T150000Z", "DTEND:20261202T160000Z"])));
    const full = await provider.listEvents(credentials, calendar, window);
    const withoutToken = JSON.stringify({ ...JSON.parse(full.nextSyncState!), token: undefined });

    await put(calendar, "a", ics(vevent("a", ["DTSTART:20261201T170000Z", "DTEND:20261201T180000Z"])));
    await remove(calendar, "b");
    await put(calendar, "c", ics(vevent("c", ["DTSTART:20261203T150000Z", "DTEND:20261203T160000Z"])));

    const diff = changes(await provider.listChanges(credentials, calendar, withoutToken, window));
    expect(diff.upserts.map((e) => [e.providerEventId, e.start.toISOString()]).sort()).toEqual([
      ["a", "2026-12-01T17:00:00.000Z"],
      ["c", "2026-12-03T15:00:00.000Z"],
    ]);
    expect(diff.deletions).toEqual(["b"]);
    expect(JSON.parse(diff.nextSyncState).token).toBeUndefined();
  });

  it("writes an appointment idempotently under a UID derived from its id, updates and deletes it", async () => {
    const calendar = await radicale.makeCalendar("writes");
    const outgoing = {
      appointmentId: "0b7d2f6e-9a51-4a8e-8f55-3f7f0c9d2a10",
      title: "Water heater install",
      description: "Bring the 50 gal unit",
      location: "12 Oak Ave",
      start: at("2026-12-04T15:00:00Z"),
      end: at("2026-12-04T17:00:00Z"),
      timeZone: "America/New_York",
      customer: { name: "Pat Doe", phone: "+15551234567" },
    };

    const created = await provider.createEvent(credentials, calendar, outgoing);
    const retried = await provider.createEvent(credentials, calendar, outgoing);

    expect(retried).toEqual(created);
    let listing = await provider.listEvents(credentials, calendar, window);
    expect(listing.events).toHaveLength(1);
    expect(listing.events[0]).toMatchObject({
      providerEventId: created.providerEventId,
      start: outgoing.start,
      end: outgoing.end,
      title: "Water heater install",
      status: "confirmed",
      transparent: false,
    });
    const stored = await (
      await radicale.request("GET", `${calendar}${encodeURIComponent(created.providerEventId)}.ics`)
    ).text();
    expect(stored).toContain(`UID:${created.providerEventId}`);
    expect(stored).toContain("LOCATION:12 Oak Ave");

    await provider.updateEvent(credentials, calendar, created.providerEventId, {
      ...outgoing,
      start: at("2026-12-05T15:00:00Z"),
      end: at("2026-12-05T16:00:00Z"),
    });
    listing = await provider.listEvents(credentials, calendar, window);
    expect(listing.events.map((e) => [e.providerEventId, e.start.toISOString()])).toEqual([
      [created.providerEventId, "2026-12-05T15:00:00.000Z"],
    ]);

    await provider.deleteEvent(credentials, calendar, created.providerEventId);
    await provider.deleteEvent(credentials, calendar, created.providerEventId);
    expect((await provider.listEvents(credentials, calendar, window)).events).toEqual([]);
    // Updating what is gone fails instead of creating it again.
    await expect(provider.updateEvent(credentials, calendar, created.providerEventId, outgoing)).rejects.toMatchObject({
      kind: "not_found",
    });
    expect((await provider.listEvents(credentials, calendar, window)).events).toEqual([]);
  });
});
