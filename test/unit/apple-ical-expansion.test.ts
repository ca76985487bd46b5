import { describe, expect, it } from "vitest";
import { expandCalendarObject } from "../../src/providers/calendar/apple/ical-expansion.js";

const window = { start: new Date("2026-12-01T00:00:00Z"), end: new Date("2026-12-15T00:00:00Z") };
const OWNER = "owner@icloud.example";

function calendar(...vevents: string[][]): string {
  return [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//test//EN",
    ...vevents.flatMap((lines) => ["BEGIN:VEVENT", "DTSTAMP:20261101T000000Z", ...lines, "END:VEVENT"]),
    "END:VCALENDAR",
    "",
  ].join("\r\n");
}

const summary = (data: string) =>
  expandCalendarObject(data, window, OWNER).map((e) => ({
    id: e.providerEventId,
    start: e.start.toISOString(),
    end: e.end.toISOString(),
    ...(e.allDay ? { dates: `${e.startDate}..${e.endDate}` } : {}),
    status: e.status,
  }));

describe("expandCalendarObject", () => {
  it("expands an all-day weekly series into dated instances, skipping EXDATEs", () => {
    const data = calendar([
      "UID:bins",
      "DTSTART;VALUE=DATE:20261201",
      "RRULE:FREQ=WEEKLY;UNTIL=20261231",
      "EXDATE;VALUE=DATE:20261208",
      "SUMMARY:Bin day",
    ]);
    expect(summary(data)).toEqual([
      {
        id: "bins::20261201",
        start: "2026-12-01T00:00:00.000Z",
        end: "2026-12-02T00:00:00.000Z",
        dates: "2026-12-01..2026-12-02",
        status: "confirmed",
      },
    ]);
  });

  it("reads a TZID that has no VTIMEZONE as the IANA zone of that name, in winter time", () => {
    const data = calendar([
      "UID:tz",
      "DTSTART;TZID=Europe/Berlin:20261203T090000",
      "DTEND;TZID=Europe/Berlin:20261203T100000",
    ]);
    expect(summary(data)).toEqual([
      { id: "tz", start: "2026-12-03T08:00:00.000Z", end: "2026-12-03T09:00:00.000Z", status: "confirmed" },
    ]);
  });

  it("finds an instance an override moved into the window from outside it", () => {
    const data = calendar(
      ["UID:moved", "DTSTART:20261120T090000Z", "DTEND:20261120T100000Z", "RRULE:FREQ=DAILY;COUNT=2"],
      ["UID:moved", "RECURRENCE-ID:20261121T090000Z", "DTSTART:20261205T090000Z", "DTEND:20261205T100000Z"],
    );
    expect(summary(data)).toEqual([
      {
        id: "moved::20261121T090000Z",
        start: "2026-12-05T09:00:00.000Z",
        end: "2026-12-05T10:00:00.000Z",
        status: "confirmed",
      },
    ]);
  });

  it("keeps overrides without their master (invited to one instance) and their cancellation", () => {
    const data = calendar([
      "UID:single",
      "RECURRENCE-ID:20261210T150000Z",
      "DTSTART:20261210T150000Z",
      "DTEND:20261210T160000Z",
      "STATUS:CANCELLED",
    ]);
    expect(summary(data)).toEqual([
      {
        id: "single::20261210T150000Z",
        start: "2026-12-10T15:00:00.000Z",
        end: "2026-12-10T16:00:00.000Z",
        status: "cancelled",
      },
    ]);
  });

  it("uses DURATION when there is no DTEND and drops events outside the window", () => {
    const data = calendar(
      ["UID:dur", "DTSTART:20261202T100000Z", "DURATION:PT90M"],
      ["UID:past", "DTSTART:20261102T100000Z", "DURATION:PT1H"],
    );
    expect(summary(data)).toEqual([
      { id: "dur", start: "2026-12-02T10:00:00.000Z", end: "2026-12-02T11:30:00.000Z", status: "confirmed" },
    ]);
  });
});
