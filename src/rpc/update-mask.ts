import type { SchedulingRules } from "../domain/availability/scheduling-rules.js";
import { InvalidArgumentError } from "../domain/errors.js";

/** Proto field name (update_mask path) -> rules property. */
const RULES_MASK_PATHS: Record<string, keyof SchedulingRules> = {
  time_zone: "timeZone",
  weekly_hours: "weeklyHours",
  date_overrides: "dateOverrides",
  slot_interval_minutes: "slotIntervalMinutes",
  buffer_before_minutes: "bufferBeforeMinutes",
  buffer_after_minutes: "bufferAfterMinutes",
  minimum_notice_minutes: "minimumNoticeMinutes",
  booking_horizon_days: "bookingHorizonDays",
  tentative_is_busy: "tentativeIsBusy",
};

function snakeCase(path: string): string {
  return path.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** UpdateSchedulingRules' update_mask as rules properties (snake_case or lowerCamel, with or without "rules."). */
export function rulesFieldsOfMask(paths: string[]): (keyof SchedulingRules)[] {
  return paths.map((rawPath) => {
    const property = RULES_MASK_PATHS[snakeCase(rawPath.trim().replace(/^rules\./, ""))];
    if (!property) throw new InvalidArgumentError("update_mask", `unknown field "${rawPath}"`);
    return property;
  });
}
