import { describe, expect, it } from "vitest";
import { parseAvailabilityWindow } from "../../src/domain/availability/availability-query.js";
import {
  defaultSchedulingRules,
  validateSchedulingRules,
  type SchedulingRules,
} from "../../src/domain/availability/scheduling-rules.js";
import { InvalidArgumentError } from "../../src/domain/errors.js";

function fieldOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error.field;
    throw error;
  }
  return "valid";
}

function rulesWith(overrides: Partial<SchedulingRules>): SchedulingRules {
  return { ...defaultSchedulingRules("America/Chicago"), ...overrides };
}

describe("validateSchedulingRules", () => {
  it("accepts the defaults and several ranges a day", () => {
    expect(fieldOf(() => validateSchedulingRules(defaultSchedulingRules()))).toBe("valid");
    const split = rulesWith({
      weeklyHours: [
        {
          weekday: 1,
          ranges: [
            { start: "13:00", end: "17:00" },
            { start: "08:00", end: "12:00" },
          ],
        },
      ],
      dateOverrides: [
        { date: "2024-12-25", closed: true, ranges: [] },
        { date: "2024-12-24", closed: false, ranges: [{ start: "08:00", end: "24:00" }] },
      ],
    });
    expect(fieldOf(() => validateSchedulingRules(split))).toBe("valid");
  });

  it("names the field of each problem", () => {
    const cases: [Partial<SchedulingRules>, string][] = [
      [{ timeZone: "Mars/Olympus" }, "rules.time_zone"],
      [{ timeZone: "" }, "rules.time_zone"],
      [{ weeklyHours: [{ weekday: 0, ranges: [] }] }, "rules.weekly_hours[0].weekday"],
      [
        {
          weeklyHours: [
            { weekday: 1, ranges: [] },
            { weekday: 1, ranges: [] },
          ],
        },
        "rules.weekly_hours[1].weekday",
      ],
      [
        {
          weeklyHours: [
            {
              weekday: 2,
              ranges: [
                { start: "09:00", end: "12:00" },
                { start: "11:00", end: "14:00" },
              ],
            },
          ],
        },
        "rules.weekly_hours[0].ranges[1].start",
      ],
      [
        { weeklyHours: [{ weekday: 2, ranges: [{ start: "12:00", end: "09:00" }] }] },
        "rules.weekly_hours[0].ranges[0].end",
      ],
      [
        { weeklyHours: [{ weekday: 2, ranges: [{ start: "9am", end: "17:00" }] }] },
        "rules.weekly_hours[0].ranges[0].start",
      ],
      [
        { weeklyHours: [{ weekday: 2, ranges: [{ start: "09:00", end: "24:30" }] }] },
        "rules.weekly_hours[0].ranges[0].end",
      ],
      [{ dateOverrides: [{ date: "2024-02-30", closed: true, ranges: [] }] }, "rules.date_overrides[0].date"],
      [
        { dateOverrides: [{ date: "2024-02-01", closed: true, ranges: [{ start: "09:00", end: "10:00" }] }] },
        "rules.date_overrides[0].ranges",
      ],
      [{ dateOverrides: [{ date: "2024-02-01", closed: false, ranges: [] }] }, "rules.date_overrides[0].ranges"],
      [{ slotIntervalMinutes: 0 }, "rules.slot_interval_minutes"],
      [{ slotIntervalMinutes: 7.5 }, "rules.slot_interval_minutes"],
      [{ bufferBeforeMinutes: -1 }, "rules.buffer_before_minutes"],
      [{ bufferAfterMinutes: 1441 }, "rules.buffer_after_minutes"],
      [{ minimumNoticeMinutes: -5 }, "rules.minimum_notice_minutes"],
      [{ bookingHorizonDays: 0 }, "rules.booking_horizon_days"],
      [{ bookingHorizonDays: 731 }, "rules.booking_horizon_days"],
    ];
    for (const [overrides, field] of cases) {
      expect(
        fieldOf(() => validateSchedulingRules(rulesWith(overrides))),
        JSON.stringify(overrides),
      ).toBe(field);
    }
  });
});

describe("parseAvailabilityWindow", () => {
  const valid = { startDate: "2024-06-01", endDate: "2024-06-30", durationMinutes: 60, timeZone: "" };

  it("accepts up to 62 dates and an optional zone", () => {
    expect(parseAvailabilityWindow({ ...valid, endDate: "2024-08-01" })).toMatchObject({ durationMinutes: 60 });
    expect(parseAvailabilityWindow({ ...valid, timeZone: "Asia/Kolkata" }).timeZone).toBe("Asia/Kolkata");
    expect(parseAvailabilityWindow(valid).timeZone).toBeUndefined();
  });

  it("names the field of each problem", () => {
    expect(fieldOf(() => parseAvailabilityWindow({ ...valid, startDate: "06/01/2024" }))).toBe("start_date");
    expect(fieldOf(() => parseAvailabilityWindow({ ...valid, endDate: "2024-06-31" }))).toBe("end_date");
    expect(fieldOf(() => parseAvailabilityWindow({ ...valid, endDate: "2024-05-31" }))).toBe("end_date");
    expect(fieldOf(() => parseAvailabilityWindow({ ...valid, endDate: "2024-08-02" }))).toBe("end_date");
    expect(fieldOf(() => parseAvailabilityWindow({ ...valid, durationMinutes: 0 }))).toBe("duration_minutes");
    expect(fieldOf(() => parseAvailabilityWindow({ ...valid, durationMinutes: 1441 }))).toBe("duration_minutes");
    expect(fieldOf(() => parseAvailabilityWindow({ ...valid, timeZone: "Nowhere/City" }))).toBe("time_zone");
  });
});
