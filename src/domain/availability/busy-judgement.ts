import { parseLocalDate } from "./local-date.js";
import { localToUtc } from "./time-zone.js";

/** What the provider mirror knows about an event, as far as busy time goes. */
export interface MirroredEvent {
  startTime: Date;
  endTime: Date;
  allDay: boolean;
  /** All-day events: local dates YYYY-MM-DD, end exclusive. */
  startDate: string | null;
  endDate: string | null;
  status: string;
  transparent: boolean;
  responseStatus: string | null;
}

/**
 * Whether a mirrored event blocks time: confirmed events do; tentative ones
 * (by status or by the owner's answer) only when the rules say so;
 * transparent ("show as free"), cancelled and declined events never do.
 */
export function isBusyEvent(event: MirroredEvent, tentativeIsBusy: boolean): boolean {
  if (event.transparent || event.status === "cancelled" || event.responseStatus === "declined") return false;
  if (event.status === "tentative" || event.responseStatus === "tentative") return tentativeIsBusy;
  return true;
}

/**
 * The instants an event blocks. An all-day event blocks its whole local dates
 * in the business's zone (from local midnight of the first date to local
 * midnight after the last), not the UTC days it is stored as.
 */
export function busyIntervalOf(event: MirroredEvent, timeZone: string): { start: Date; end: Date } {
  if (event.allDay) {
    const firstDay = event.startDate === null ? undefined : parseLocalDate(event.startDate);
    const endDay = event.endDate === null ? undefined : parseLocalDate(event.endDate);
    if (firstDay !== undefined) {
      const exclusiveEnd = endDay !== undefined && endDay > firstDay ? endDay : firstDay + 1;
      return {
        start: new Date(localToUtc(timeZone, firstDay, 0)),
        end: new Date(localToUtc(timeZone, exclusiveEnd, 0)),
      };
    }
  }
  return { start: event.startTime, end: event.endTime };
}
