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
  return !event.transparent && blocksTime(event.status, event.responseStatus, tentativeIsBusy);
}

/**
 * isBusyEvent for an opaque event, on its two fields: CheckAvailability's
 * busy read judges ~200 events per call from column arrays, and building a
 * MirroredEvent with two Dates for each was a third of that call's allocation.
 */
export function blocksTime(status: string, responseStatus: string | null, tentativeIsBusy: boolean): boolean {
  if (status === "cancelled" || responseStatus === "declined") return false;
  if (status === "tentative" || responseStatus === "tentative") return tentativeIsBusy;
  return true;
}

/**
 * The instants an event blocks. An all-day event blocks its whole local dates
 * in the business's zone (from local midnight of the first date to local
 * midnight after the last), not the UTC days it is stored as.
 */
export function busyIntervalOf(event: MirroredEvent, timeZone: string): { start: Date; end: Date } {
  const days = event.allDay ? allDayInterval(event.startDate, event.endDate, timeZone) : undefined;
  return days
    ? { start: new Date(days.start), end: new Date(days.end) }
    : { start: event.startTime, end: event.endTime };
}

/**
 * An all-day event's local dates (YYYY-MM-DD, end exclusive) as epoch ms in
 * timeZone; undefined without a readable start date (its stored instants
 * then stand). An end not after the start blocks the start date alone.
 */
export function allDayInterval(
  startDate: string | null,
  endDate: string | null,
  timeZone: string,
): { start: number; end: number } | undefined {
  const firstDay = startDate === null ? undefined : parseLocalDate(startDate);
  if (firstDay === undefined) return undefined;
  const endDay = endDate === null ? undefined : parseLocalDate(endDate);
  const exclusiveEnd = endDay !== undefined && endDay > firstDay ? endDay : firstDay + 1;
  return { start: localToUtc(timeZone, firstDay, 0), end: localToUtc(timeZone, exclusiveEnd, 0) };
}
