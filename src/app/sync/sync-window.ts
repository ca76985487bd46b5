import type { SyncWindow } from "../../providers/calendar/calendar-provider.js";

const DAY_MS = 86_400_000;

/** How far back the mirror reaches: recent history for "what ran over" views. */
export const SYNC_DAYS_BACK = 7;
export const DEFAULT_BOOKING_HORIZON_DAYS = 60;

/** From a week ago to the end of the tenant's booking horizon (plus a day for zone offsets). */
export function syncWindowAt(now: Date, bookingHorizonDays = DEFAULT_BOOKING_HORIZON_DAYS): SyncWindow {
  return {
    start: new Date(now.getTime() - SYNC_DAYS_BACK * DAY_MS),
    end: new Date(now.getTime() + (bookingHorizonDays + 1) * DAY_MS),
  };
}
