import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { busyIntervalsOf, busyPeriodsOf, type BusyArrays } from "../../src/app/availability/load-busy-periods.js";
import { defaultSchedulingRules } from "../../src/domain/availability/scheduling-rules.js";

/** CheckAvailability reads times only (busyIntervalsOf); it must judge exactly as the full read does. */
const DAY = 86_400_000;
const BASE = Date.parse("2031-03-01T00:00:00Z");

const instant = fc.integer({ min: -2 * DAY, max: 12 * DAY }).map((offset) => BASE + offset);
const span = fc.tuple(instant, fc.integer({ min: -60 * 60_000, max: 3 * DAY })).map(([start, length]) => ({
  start,
  end: start + length,
}));
const isoDate = fc.integer({ min: -3, max: 12 }).map((day) => new Date(BASE + day * DAY).toISOString().slice(0, 10));
const event = fc.record({
  span,
  allDay: fc.boolean(),
  startDate: isoDate,
  days: fc.integer({ min: 1, max: 3 }),
  status: fc.constantFrom("confirmed", "tentative", "cancelled"),
  response: fc.constantFrom(null, "accepted", "declined", "tentative", "needsAction"),
});

type GeneratedEvent = typeof event extends fc.Arbitrary<infer T> ? T : never;

function rowOf(own: { start: number; end: number }[], events: GeneratedEvent[]): BusyArrays {
  const list = <T>(values: T[]) => (values.length ? values : null);
  const endDate = (e: (typeof events)[number]) =>
    new Date(Date.parse(`${e.startDate}T00:00:00Z`) + e.days * DAY).toISOString().slice(0, 10);
  return {
    own_kinds: list(own.map(() => "appointment" as const)),
    own_ids: list(own.map((_, i) => `own-${i}`)),
    own_starts: list(own.map((o) => o.start)),
    own_ends: list(own.map((o) => o.end)),
    own_titles: list(own.map(() => null)),
    own_technicians: list(own.map(() => null)),
    event_ids: list(events.map((_, i) => `event-${i}`)),
    event_starts: list(events.map((e) => e.span.start)),
    event_ends: list(events.map((e) => e.span.end)),
    event_titles: list(events.map(() => null)),
    event_all_days: list(events.map((e) => e.allDay)),
    event_start_dates: list(events.map((e) => (e.allDay ? e.startDate : null))),
    event_end_dates: list(events.map((e) => (e.allDay ? endDate(e) : null))),
    event_statuses: list(events.map((e) => e.status)),
    event_responses: list(events.map((e) => e.response)),
    event_providers: list(events.map(() => "google")),
    event_calendar_ids: list(events.map(() => "primary")),
    event_calendar_names: list(events.map(() => null)),
    event_calendar_row_ids: list(events.map(() => "row")),
    event_technicians: list(events.map(() => "")),
    rules_version: "v",
  };
}

describe("busyIntervalsOf", () => {
  it("gives the intervals of busyPeriodsOf, in the same order, for any rows, zone and tentative rule", () => {
    fc.assert(
      fc.property(
        fc.array(span, { maxLength: 6 }),
        fc.array(event, { maxLength: 8 }),
        fc.constantFrom("UTC", "America/Chicago", "Pacific/Auckland", "Asia/Kolkata"),
        fc.boolean(),
        (own, events, timeZone, tentativeIsBusy) => {
          const rules = { ...defaultSchedulingRules(timeZone), tentativeIsBusy };
          const row = rowOf(own, events);
          const window = { start: new Date(BASE), end: new Date(BASE + 10 * DAY) };
          const expected = busyPeriodsOf(row, window, rules).map((p) => ({
            start: p.start.getTime(),
            end: p.end.getTime(),
          }));
          expect(busyIntervalsOf(row, window, rules)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
