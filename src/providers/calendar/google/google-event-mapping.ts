import type { calendar_v3 } from "googleapis/build/src/apis/calendar/index.js";
import { eventDescription, type OutgoingEvent, type ProviderEvent } from "../calendar-provider.js";

/** The private extended property that carries our appointment id on the events we write. */
export const APPOINTMENT_ID_PROPERTY = "universalCalendarAppointmentId";

type GoogleEvent = calendar_v3.Schema$Event;

const RESPONSE_STATUSES = new Set(["accepted", "declined", "tentative", "needsAction"]);

function instantOf(time: calendar_v3.Schema$EventDateTime | undefined): { at: Date; date?: string } | undefined {
  if (time?.dateTime) return { at: new Date(time.dateTime) };
  if (time?.date) return { at: new Date(`${time.date}T00:00:00Z`), date: time.date };
  return undefined;
}

/**
 * One event instance as the mirror stores it, or undefined for a cancelled
 * one (singleEvents listings report deleted instances as status "cancelled"
 * with no times).
 */
export function toProviderEvent(event: GoogleEvent): ProviderEvent | undefined {
  if (!event.id || event.status === "cancelled") return undefined;
  const start = instantOf(event.start ?? undefined);
  const end = instantOf(event.end ?? undefined);
  if (!start || !end || Number.isNaN(start.at.getTime()) || Number.isNaN(end.at.getTime())) return undefined;
  const self = event.attendees?.find((attendee) => attendee.self);
  const response = self?.responseStatus ?? undefined;
  const allDay = start.date !== undefined;
  const appointmentId = event.extendedProperties?.private?.[APPOINTMENT_ID_PROPERTY];
  return {
    providerEventId: event.id,
    start: start.at,
    end: end.at < start.at ? start.at : end.at,
    allDay,
    ...(allDay ? { startDate: start.date, endDate: end.date ?? start.date } : {}),
    status: event.status === "tentative" ? "tentative" : "confirmed",
    transparent: event.transparency === "transparent",
    ...(response && RESPONSE_STATUSES.has(response)
      ? { responseStatus: response as ProviderEvent["responseStatus"] }
      : {}),
    ...(event.summary ? { title: event.summary } : {}),
    ...(event.etag ? { etag: event.etag } : {}),
    ...(appointmentId ? { appointmentId } : {}),
  };
}

export function overlapsWindow(event: ProviderEvent, window: { start: Date; end: Date }): boolean {
  return event.start < window.end && event.end > window.start;
}

const BASE32HEX = "0123456789abcdefghijklmnopqrstuv";

/**
 * Google accepts client-chosen event ids of base32hex characters (a-v, 0-9),
 * 5 to 1024 long. Deriving ours from the appointment id makes a retried
 * insert collide (409) instead of creating a duplicate.
 */
export function googleEventIdFor(appointmentId: string): string {
  const bytes = Buffer.from(`uc:${appointmentId}`, "utf8");
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32HEX[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32HEX[(value << (5 - bits)) & 31];
  return out.slice(0, 1024);
}

export function toGoogleEvent(event: OutgoingEvent): GoogleEvent {
  return {
    summary: event.title,
    description: eventDescription(event),
    ...(event.location ? { location: event.location } : {}),
    start: { dateTime: event.start.toISOString(), timeZone: event.timeZone },
    end: { dateTime: event.end.toISOString(), timeZone: event.timeZone },
    transparency: "opaque",
    extendedProperties: { private: { [APPOINTMENT_ID_PROPERTY]: event.appointmentId } },
  };
}
