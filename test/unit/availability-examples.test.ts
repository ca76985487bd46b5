import { describe, expect, it } from "vitest";
import { findFreeSlots, findFreeWindows, type AvailabilityQuery } from "../../src/domain/availability/availability.js";
import {
  allDayInterval,
  blocksTime,
  busyIntervalOf,
  isBusyEvent,
  type MirroredEvent,
} from "../../src/domain/availability/busy-judgement.js";
import { parseLocalDate } from "../../src/domain/availability/local-date.js";
import {
  defaultSchedulingRules,
  type SchedulingRules,
  type WeeklyHours,
} from "../../src/domain/availability/scheduling-rules.js";
import { fixedClock } from "../../src/domain/clock.js";

const ALL_WEEK = [1, 2, 3, 4, 5, 6, 7];

function hours(weekdays: number[], ...ranges: [string, string][]): WeeklyHours[] {
  return weekdays.map((weekday) => ({ weekday, ranges: ranges.map(([start, end]) => ({ start, end })) }));
}

function rulesOf(overrides: Partial<SchedulingRules>): SchedulingRules {
  return { ...defaultSchedulingRules("UTC"), minimumNoticeMinutes: 0, bookingHorizonDays: 730, ...overrides };
}

function query(
  rules: SchedulingRules,
  startDate: string,
  endDate: string,
  options: { duration?: number; zone?: string; busy?: [string, string][]; now?: string } = {},
): AvailabilityQuery {
  return {
    rules,
    timeZone: options.zone ?? rules.timeZone,
    firstDay: parseLocalDate(startDate)!,
    lastDay: parseLocalDate(endDate)!,
    durationMinutes: options.duration ?? 60,
    busy: (options.busy ?? []).map(([start, end]) => ({ start: Date.parse(start), end: Date.parse(end) })),
    clock: fixedClock(options.now ?? "2024-01-01T00:00:00Z"),
  };
}

/** Slot starts per date as ISO strings (UTC), for readable expectations. */
function startsByDate(days: ReturnType<typeof findFreeSlots>): Record<string, string[]> {
  return Object.fromEntries(
    days.map((day) => [day.date, day.slots.map((slot) => new Date(slot.start).toISOString().slice(0, 16))]),
  );
}

function spans(days: ReturnType<typeof findFreeSlots>): string[] {
  return days.flatMap((day) =>
    day.slots.map(
      (slot) => `${new Date(slot.start).toISOString().slice(0, 16)}/${new Date(slot.end).toISOString().slice(0, 16)}`,
    ),
  );
}

describe("DST in America/Los_Angeles", () => {
  const rules = rulesOf({
    timeZone: "America/Los_Angeles",
    weeklyHours: hours(ALL_WEEK, ["00:00", "04:00"]),
    slotIntervalMinutes: 60,
  });

  it("2024-03-10: 02:00 does not exist, so the night has three hours", () => {
    const days = findFreeSlots(query(rules, "2024-03-10", "2024-03-10", { now: "2024-03-01T00:00:00Z" }));
    // 00:00 PST, 01:00 PST, then 03:00 PDT; the range ends at 04:00 PDT = 11:00Z.
    expect(startsByDate(days)).toEqual({ "2024-03-10": ["2024-03-10T08:00", "2024-03-10T09:00", "2024-03-10T10:00"] });
  });

  it("2024-11-03: 01:00 happens twice, so the night has five hours", () => {
    const days = findFreeSlots(query(rules, "2024-11-03", "2024-11-03", { now: "2024-10-01T00:00:00Z" }));
    expect(startsByDate(days)).toEqual({
      "2024-11-03": [
        "2024-11-03T07:00",
        "2024-11-03T08:00",
        "2024-11-03T09:00",
        "2024-11-03T10:00",
        "2024-11-03T11:00",
      ],
    });
  });

  it("2024-11-03: hours ending at 01:00 close when the clock first reads 01:00, not after the repeat", () => {
    // Found by the property test: the range used to run on through the repeated hour (to 01:00 PST).
    const night = rulesOf({
      timeZone: "America/Los_Angeles",
      weeklyHours: hours([7], ["00:00", "01:00"]),
      slotIntervalMinutes: 15,
    });
    const days = findFreeSlots(query(night, "2024-11-03", "2024-11-03", { duration: 15, now: "2024-10-01T00:00:00Z" }));
    expect(startsByDate(days)).toEqual({
      "2024-11-03": ["2024-11-03T07:00", "2024-11-03T07:15", "2024-11-03T07:30", "2024-11-03T07:45"],
    });
  });

  it("09:00 stays 09:00 local on both sides of the change", () => {
    const office = rulesOf({ timeZone: "America/Los_Angeles", weeklyHours: hours(ALL_WEEK, ["09:00", "10:00"]) });
    const days = findFreeSlots(query(office, "2024-03-09", "2024-03-11", { now: "2024-03-01T00:00:00Z" }));
    expect(startsByDate(days)).toEqual({
      "2024-03-09": ["2024-03-09T17:00"],
      "2024-03-10": ["2024-03-10T16:00"],
      "2024-03-11": ["2024-03-11T16:00"],
    });
  });
});

describe("zones with 30 and 45 minute offsets", () => {
  it("Asia/Kolkata (+05:30)", () => {
    const rules = rulesOf({ timeZone: "Asia/Kolkata", weeklyHours: hours([1], ["09:00", "17:00"]) });
    const [day] = findFreeSlots(query(rules, "2024-06-03", "2024-06-03"));
    expect(day!.slots).toHaveLength(15);
    expect(new Date(day!.slots[0]!.start).toISOString()).toBe("2024-06-03T03:30:00.000Z");
    expect(new Date(day!.slots[14]!.end).toISOString()).toBe("2024-06-03T11:30:00.000Z");
  });

  it("Australia/Lord_Howe: the clock jumps 30 minutes, from 02:00 to 02:30 on 2024-10-06", () => {
    const rules = rulesOf({
      timeZone: "Australia/Lord_Howe",
      weeklyHours: hours([7], ["00:00", "04:00"]),
      slotIntervalMinutes: 30,
    });
    const days = findFreeSlots(query(rules, "2024-10-06", "2024-10-06", { duration: 30, now: "2024-10-01T00:00:00Z" }));
    // 00:00 at +10:30 is 13:30Z; 04:00 at +11:00 is 17:00Z: 3.5 real hours.
    expect(startsByDate(days)["2024-10-06"]).toEqual([
      "2024-10-05T13:30",
      "2024-10-05T14:00",
      "2024-10-05T14:30",
      "2024-10-05T15:00",
      "2024-10-05T15:30",
      "2024-10-05T16:00",
      "2024-10-05T16:30",
    ]);
  });

  it("Australia/Lord_Howe: 09:00 before and after the change", () => {
    const rules = rulesOf({ timeZone: "Australia/Lord_Howe", weeklyHours: hours(ALL_WEEK, ["09:00", "10:00"]) });
    const days = findFreeSlots(query(rules, "2024-10-05", "2024-10-07", { now: "2024-10-01T00:00:00Z" }));
    expect(startsByDate(days)).toEqual({
      "2024-10-05": ["2024-10-04T22:30"],
      "2024-10-06": ["2024-10-05T22:00"],
      "2024-10-07": ["2024-10-06T22:00"],
    });
  });

  it("Pacific/Chatham (+12:45 in June, +13:45 in summer)", () => {
    const rules = rulesOf({ timeZone: "Pacific/Chatham", weeklyHours: hours([1], ["09:00", "11:00"]) });
    expect(startsByDate(findFreeSlots(query(rules, "2024-06-03", "2024-06-03")))).toEqual({
      "2024-06-03": ["2024-06-02T20:15", "2024-06-02T20:45", "2024-06-02T21:15"],
    });
    expect(startsByDate(findFreeSlots(query(rules, "2024-12-02", "2024-12-02")))).toEqual({
      "2024-12-02": ["2024-12-01T19:15", "2024-12-01T19:45", "2024-12-01T20:15"],
    });
  });
});

describe("provider events", () => {
  const base: MirroredEvent = {
    startTime: new Date("2024-06-04T00:00:00Z"),
    endTime: new Date("2024-06-05T00:00:00Z"),
    allDay: true,
    startDate: "2024-06-04",
    endDate: "2024-06-05",
    status: "confirmed",
    transparent: false,
    responseStatus: null,
  };

  it("an all-day event blocks the whole local day in the tenant's zone, not the UTC day", () => {
    const interval = busyIntervalOf(base, "America/Los_Angeles");
    expect(interval.start.toISOString()).toBe("2024-06-04T07:00:00.000Z");
    expect(interval.end.toISOString()).toBe("2024-06-05T07:00:00.000Z");
    const rules = rulesOf({ timeZone: "America/Los_Angeles", weeklyHours: hours(ALL_WEEK, ["00:00", "24:00"]) });
    const q = query(rules, "2024-06-03", "2024-06-05");
    const days = findFreeSlots({ ...q, busy: [{ start: interval.start.getTime(), end: interval.end.getTime() }] });
    expect(days.map((day) => day.slots.length)).toEqual([47, 0, 47]);
  });

  it("a multi-day all-day event blocks every one of its dates (end date exclusive)", () => {
    const interval = busyIntervalOf({ ...base, endDate: "2024-06-07" }, "Asia/Kolkata");
    expect(interval.start.toISOString()).toBe("2024-06-03T18:30:00.000Z");
    expect(interval.end.toISOString()).toBe("2024-06-06T18:30:00.000Z");
  });

  it("a transparent event is free; cancelled and declined too; tentative per rule", () => {
    expect(isBusyEvent({ ...base, transparent: true }, true)).toBe(false);
    expect(isBusyEvent({ ...base, status: "cancelled" }, true)).toBe(false);
    expect(isBusyEvent({ ...base, responseStatus: "declined" }, true)).toBe(false);
    expect(isBusyEvent({ ...base, status: "tentative" }, false)).toBe(false);
    expect(isBusyEvent({ ...base, status: "tentative" }, true)).toBe(true);
    expect(isBusyEvent({ ...base, responseStatus: "tentative" }, false)).toBe(false);
    expect(isBusyEvent({ ...base, responseStatus: "accepted" }, false)).toBe(true);
    expect(isBusyEvent(base, false)).toBe(true);
  });

  it("an all-day event without a readable start date keeps its stored instants; an end not after the start blocks one day", () => {
    expect(allDayInterval(null, "2024-06-05", "UTC")).toBeUndefined();
    expect(allDayInterval("not-a-date", "2024-06-05", "UTC")).toBeUndefined();
    expect(busyIntervalOf({ ...base, startDate: null }, "America/Los_Angeles")).toEqual({
      start: base.startTime,
      end: base.endTime,
    });
    const oneDay = { start: Date.parse("2024-06-04T07:00:00Z"), end: Date.parse("2024-06-05T07:00:00Z") };
    expect(allDayInterval("2024-06-04", "2024-06-04", "America/Los_Angeles")).toEqual(oneDay);
    expect(allDayInterval("2024-06-04", null, "America/Los_Angeles")).toEqual(oneDay);
    expect(allDayInterval("2024-06-04", "garbage", "America/Los_Angeles")).toEqual(oneDay);
  });

  it("blocksTime judges an opaque event's status and answer as isBusyEvent does", () => {
    for (const status of ["confirmed", "tentative", "cancelled"])
      for (const responseStatus of [null, "accepted", "declined", "tentative", "needsAction"])
        for (const tentativeIsBusy of [true, false])
          expect(blocksTime(status, responseStatus, tentativeIsBusy)).toBe(
            isBusyEvent({ ...base, status, responseStatus }, tentativeIsBusy),
          );
    expect(blocksTime("tentative", null, false)).toBe(false);
    expect(blocksTime("confirmed", "declined", true)).toBe(false);
  });

  it("a timed event keeps its instants", () => {
    const timed = {
      ...base,
      allDay: false,
      startTime: new Date("2024-06-04T10:00:00Z"),
      endTime: new Date("2024-06-04T11:00:00Z"),
    };
    expect(busyIntervalOf(timed, "Asia/Kolkata")).toEqual({ start: timed.startTime, end: timed.endTime });
  });
});

describe("busy time, buffers, notice, overrides", () => {
  const office = rulesOf({ weeklyHours: hours(ALL_WEEK, ["09:00", "17:00"]), slotIntervalMinutes: 15 });

  it("back-to-back busy periods with buffers leave no gap between them", () => {
    const rules = { ...office, bufferBeforeMinutes: 15, bufferAfterMinutes: 15 };
    const busy: [string, string][] = [
      ["2024-06-03T10:00:00Z", "2024-06-03T11:00:00Z"],
      ["2024-06-03T11:00:00Z", "2024-06-03T12:00:00Z"],
      ["2024-06-03T12:50:00Z", "2024-06-03T13:30:00Z"],
    ];
    const days = findFreeSlots(query(rules, "2024-06-03", "2024-06-03", { duration: 30, busy }));
    const starts = startsByDate(days)["2024-06-03"]!;
    // Free until 09:45 (first buffer), then 12:15-12:35 (too short for 30 minutes), then from 13:45.
    expect(starts.slice(0, 3)).toEqual(["2024-06-03T09:00", "2024-06-03T09:15", "2024-06-03T13:45"]);
  });

  it("minimum notice cuts into today, and slots stay on the business-hours grid", () => {
    const rules = { ...office, minimumNoticeMinutes: 60, slotIntervalMinutes: 30 };
    const days = findFreeSlots(query(rules, "2024-06-03", "2024-06-04", { now: "2024-06-03T10:10:00Z" }));
    expect(startsByDate(days)["2024-06-03"]![0]).toBe("2024-06-03T11:30");
    expect(startsByDate(days)["2024-06-04"]![0]).toBe("2024-06-04T09:00");
  });

  it("nothing is offered past the booking horizon", () => {
    const rules = { ...office, bookingHorizonDays: 1 };
    const days = findFreeSlots(query(rules, "2024-06-03", "2024-06-05", { now: "2024-06-03T12:00:00Z" }));
    expect(days.map((day) => day.date)).toEqual(["2024-06-03", "2024-06-04", "2024-06-05"]);
    expect(days[2]!.slots).toEqual([]);
    expect(days[1]!.slots.at(-1)!.end).toBeLessThanOrEqual(Date.parse("2024-06-04T12:00:00Z"));
  });

  it("a window crossing date overrides uses them on their dates only", () => {
    const rules = {
      ...office,
      slotIntervalMinutes: 60,
      dateOverrides: [
        { date: "2024-06-04", closed: true, ranges: [] },
        { date: "2024-06-05", closed: false, ranges: [{ start: "10:00", end: "12:00" }] },
      ],
    };
    const days = findFreeSlots(query(rules, "2024-06-03", "2024-06-06"));
    expect(days.map((day) => day.slots.length)).toEqual([8, 0, 2, 8]);
    expect(startsByDate(days)["2024-06-05"]).toEqual(["2024-06-05T10:00", "2024-06-05T11:00"]);
  });

  it("a request zone different from the tenant's groups slots by the request's dates", () => {
    const rules = rulesOf({
      timeZone: "America/Los_Angeles",
      weeklyHours: hours([1], ["09:00", "17:00"]),
      slotIntervalMinutes: 60,
    });
    const days = findFreeSlots(query(rules, "2024-06-03", "2024-06-04", { zone: "Asia/Tokyo" }));
    // Monday 09:00-17:00 PDT is 01:00-09:00 on Tuesday in Tokyo.
    expect(days[0]).toEqual({ date: "2024-06-03", slots: [] });
    expect(days[1]!.date).toBe("2024-06-04");
    expect(days[1]!.slots).toHaveLength(8);
    expect(new Date(days[1]!.slots[0]!.start).toISOString()).toBe("2024-06-03T16:00:00.000Z");
  });

  it("every date of the window has an entry, also a closed one", () => {
    const days = findFreeSlots(query(rulesOf({ weeklyHours: [] }), "2024-06-01", "2024-06-03"));
    expect(days).toEqual([
      { date: "2024-06-01", slots: [] },
      { date: "2024-06-02", slots: [] },
      { date: "2024-06-03", slots: [] },
    ]);
  });

  it("several ranges a day: slots never span the lunch break", () => {
    const rules = rulesOf({ weeklyHours: hours([1], ["08:00", "12:00"], ["13:00", "17:00"]), slotIntervalMinutes: 60 });
    const days = findFreeSlots(query(rules, "2024-06-03", "2024-06-03", { duration: 120 }));
    expect(startsByDate(days)["2024-06-03"]).toEqual([
      "2024-06-03T08:00",
      "2024-06-03T09:00",
      "2024-06-03T10:00",
      "2024-06-03T13:00",
      "2024-06-03T14:00",
      "2024-06-03T15:00",
    ]);
  });
});

describe("WINDOWS mode", () => {
  it("returns maximal free windows at least the duration long", () => {
    const rules = rulesOf({ weeklyHours: hours([1], ["08:00", "12:00"], ["12:00", "17:00"]) });
    const busy: [string, string][] = [
      ["2024-06-03T10:00:00Z", "2024-06-03T10:30:00Z"],
      ["2024-06-03T11:00:00Z", "2024-06-03T13:00:00Z"],
    ];
    const windows = findFreeWindows(query(rules, "2024-06-03", "2024-06-03", { duration: 60, busy }));
    // 10:30-11:00 is too short; 13:00-17:00 spans the touching ranges as one window.
    expect(spans(windows)).toEqual(["2024-06-03T08:00/2024-06-03T10:00", "2024-06-03T13:00/2024-06-03T17:00"]);
  });
});
