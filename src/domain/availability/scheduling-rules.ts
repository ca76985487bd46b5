import { InvalidArgumentError } from "../errors.js";
import { parseLocalDate } from "./local-date.js";
import { isValidTimeZone } from "./time-zone.js";

/** Local wall-clock range [start, end), "HH:MM"; end "24:00" means midnight. */
export interface LocalTimeRange {
  start: string;
  end: string;
}

export interface WeeklyHours {
  /** ISO weekday: Monday 1 ... Sunday 7. */
  weekday: number;
  ranges: LocalTimeRange[];
}

/** Replaces the weekly hours on one local date. */
export interface DateOverride {
  /** YYYY-MM-DD. */
  date: string;
  closed: boolean;
  ranges: LocalTimeRange[];
}

export interface SchedulingRules {
  timeZone: string;
  /** Weekdays not listed are closed. */
  weeklyHours: WeeklyHours[];
  dateOverrides: DateOverride[];
  slotIntervalMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  minimumNoticeMinutes: number;
  bookingHorizonDays: number;
  tentativeIsBusy: boolean;
}

const SCHEDULING_RULE_LIMITS = {
  slotIntervalMinutes: { min: 5, max: 1440 },
  bufferBeforeMinutes: { min: 0, max: 1440 },
  bufferAfterMinutes: { min: 0, max: 1440 },
  minimumNoticeMinutes: { min: 0, max: 525_600 },
  bookingHorizonDays: { min: 1, max: 730 },
} as const;

const MAX_DATE_OVERRIDES = 1_000;

/** Mon–Fri 09:00–17:00, 30-minute steps, 60 minutes' notice, 60 days ahead. */
export function defaultSchedulingRules(timeZone = "UTC"): SchedulingRules {
  return {
    timeZone,
    weeklyHours: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, ranges: [{ start: "09:00", end: "17:00" }] })),
    dateOverrides: [],
    slotIntervalMinutes: 30,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    minimumNoticeMinutes: 60,
    bookingHorizonDays: 60,
    tentativeIsBusy: true,
  };
}

const TIME_PATTERN = /^(\d{2}):(\d{2})$/;

/** Minutes after local midnight of "HH:MM" (00:00..24:00), or undefined. */
function parseLocalTime(text: string): number | undefined {
  const match = TIME_PATTERN.exec(text);
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) return undefined;
  return hours * 60 + minutes;
}

/** Ranges as [startMinute, endMinute) pairs, sorted; the caller has validated them. */
export function rangesInMinutes(ranges: readonly LocalTimeRange[]): [number, number][] {
  return ranges
    .map((range): [number, number] => [parseLocalTime(range.start)!, parseLocalTime(range.end)!])
    .sort((a, b) => a[0] - b[0]);
}

function validateRanges(ranges: readonly LocalTimeRange[], field: string): void {
  const parsed: { start: number; end: number; index: number }[] = [];
  ranges.forEach((range, index) => {
    const start = parseLocalTime(range.start);
    if (start === undefined || start === 1440) {
      throw new InvalidArgumentError(
        `${field}[${index}].start`,
        `"${range.start}" is not a time HH:MM from 00:00 to 23:59`,
      );
    }
    const end = parseLocalTime(range.end);
    if (end === undefined) {
      throw new InvalidArgumentError(
        `${field}[${index}].end`,
        `"${range.end}" is not a time HH:MM from 00:01 to 24:00`,
      );
    }
    if (end <= start) throw new InvalidArgumentError(`${field}[${index}].end`, "must be after start");
    parsed.push({ start, end, index });
  });
  parsed.sort((a, b) => a.start - b.start);
  for (let i = 1; i < parsed.length; i++) {
    const previous = parsed[i - 1]!;
    const current = parsed[i]!;
    if (current.start < previous.end) {
      throw new InvalidArgumentError(`${field}[${current.index}].start`, `overlaps ${field}[${previous.index}]`);
    }
  }
}

function validateWhole(value: number, field: string, limits: { min: number; max: number }): void {
  if (!Number.isInteger(value) || value < limits.min || value > limits.max) {
    throw new InvalidArgumentError(field, `must be a whole number from ${limits.min} to ${limits.max}`);
  }
}

/**
 * Throws InvalidArgumentError naming the proto field (prefixed, e.g.
 * "rules.weekly_hours[0].ranges[1].start") for the first problem found.
 */
export function validateSchedulingRules(rules: SchedulingRules, prefix = "rules"): void {
  if (!isValidTimeZone(rules.timeZone)) {
    throw new InvalidArgumentError(`${prefix}.time_zone`, `"${rules.timeZone}" is not an IANA time zone`);
  }
  const seenWeekdays = new Map<number, number>();
  rules.weeklyHours.forEach((weekly, index) => {
    const field = `${prefix}.weekly_hours[${index}]`;
    if (!Number.isInteger(weekly.weekday) || weekly.weekday < 1 || weekly.weekday > 7) {
      throw new InvalidArgumentError(`${field}.weekday`, "must be a weekday (MONDAY..SUNDAY)");
    }
    const earlier = seenWeekdays.get(weekly.weekday);
    if (earlier !== undefined) {
      throw new InvalidArgumentError(
        `${field}.weekday`,
        `repeats ${prefix}.weekly_hours[${earlier}]; list each weekday once`,
      );
    }
    seenWeekdays.set(weekly.weekday, index);
    validateRanges(weekly.ranges, `${field}.ranges`);
  });
  if (rules.dateOverrides.length > MAX_DATE_OVERRIDES) {
    throw new InvalidArgumentError(`${prefix}.date_overrides`, `at most ${MAX_DATE_OVERRIDES} overrides`);
  }
  const seenDates = new Map<string, number>();
  rules.dateOverrides.forEach((override, index) => {
    const field = `${prefix}.date_overrides[${index}]`;
    if (parseLocalDate(override.date) === undefined) {
      throw new InvalidArgumentError(`${field}.date`, `"${override.date}" is not a date YYYY-MM-DD`);
    }
    const earlier = seenDates.get(override.date);
    if (earlier !== undefined) {
      throw new InvalidArgumentError(`${field}.date`, `repeats ${prefix}.date_overrides[${earlier}]`);
    }
    seenDates.set(override.date, index);
    if (override.closed && override.ranges.length > 0) {
      throw new InvalidArgumentError(`${field}.ranges`, "must be empty when closed is true");
    }
    if (!override.closed && override.ranges.length === 0) {
      throw new InvalidArgumentError(`${field}.ranges`, "required unless closed is true");
    }
    validateRanges(override.ranges, `${field}.ranges`);
  });
  validateWhole(
    rules.slotIntervalMinutes,
    `${prefix}.slot_interval_minutes`,
    SCHEDULING_RULE_LIMITS.slotIntervalMinutes,
  );
  validateWhole(
    rules.bufferBeforeMinutes,
    `${prefix}.buffer_before_minutes`,
    SCHEDULING_RULE_LIMITS.bufferBeforeMinutes,
  );
  validateWhole(rules.bufferAfterMinutes, `${prefix}.buffer_after_minutes`, SCHEDULING_RULE_LIMITS.bufferAfterMinutes);
  validateWhole(
    rules.minimumNoticeMinutes,
    `${prefix}.minimum_notice_minutes`,
    SCHEDULING_RULE_LIMITS.minimumNoticeMinutes,
  );
  validateWhole(rules.bookingHorizonDays, `${prefix}.booking_horizon_days`, SCHEDULING_RULE_LIMITS.bookingHorizonDays);
}
