import { InvalidArgumentError } from "../errors.js";
import { parseLocalDate } from "./local-date.js";
import { isValidTimeZone } from "./time-zone.js";

export const MAX_WINDOW_DAYS = 62;
export const MAX_DURATION_MINUTES = 1_440;

export interface AvailabilityWindowInput {
  startDate: string;
  endDate: string;
  durationMinutes: number;
  /** Empty means the tenant's zone. */
  timeZone: string;
}

export interface AvailabilityWindow {
  firstDay: number;
  lastDay: number;
  durationMinutes: number;
  timeZone?: string;
}

/** Checks a CheckAvailability window; errors name the proto field. */
export function parseAvailabilityWindow(input: AvailabilityWindowInput): AvailabilityWindow {
  const firstDay = parseLocalDate(input.startDate);
  if (firstDay === undefined)
    throw new InvalidArgumentError("start_date", `"${input.startDate}" is not a date YYYY-MM-DD`);
  const lastDay = parseLocalDate(input.endDate);
  if (lastDay === undefined) throw new InvalidArgumentError("end_date", `"${input.endDate}" is not a date YYYY-MM-DD`);
  if (lastDay < firstDay) throw new InvalidArgumentError("end_date", "must not be before start_date");
  if (lastDay - firstDay + 1 > MAX_WINDOW_DAYS) {
    throw new InvalidArgumentError("end_date", `the window may span at most ${MAX_WINDOW_DAYS} days`);
  }
  if (
    !Number.isInteger(input.durationMinutes) ||
    input.durationMinutes < 1 ||
    input.durationMinutes > MAX_DURATION_MINUTES
  ) {
    throw new InvalidArgumentError("duration_minutes", `must be from 1 to ${MAX_DURATION_MINUTES}`);
  }
  const zone = input.timeZone.trim();
  if (zone && !isValidTimeZone(zone)) throw new InvalidArgumentError("time_zone", `"${zone}" is not an IANA time zone`);
  return { firstDay, lastDay, durationMinutes: input.durationMinutes, ...(zone ? { timeZone: zone } : {}) };
}
