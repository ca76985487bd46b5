import { DateTime } from "../../../domain/luxon.js";
import { allDayEvent, eventDescription, type OutgoingEvent, type ProviderEvent } from "../calendar-provider.js";

/**
 * The single-value extended property that carries our appointment id: a
 * String property in our own GUID namespace ("String {guid} Name name").
 */
export const APPOINTMENT_ID_PROPERTY_ID =
  "String {6f1d2c3a-8b4e-4f7a-9c2d-5e8b1a7f3c90} Name universalCalendarAppointmentId";

/** The subset of a Graph event resource the mirror needs. */
export interface GraphEvent {
  id: string;
  "@odata.etag"?: string;
  "@removed"?: { reason: string };
  subject?: string | null;
  start?: { dateTime: string; timeZone: string };
  end?: { dateTime: string; timeZone: string };
  originalStartTimeZone?: string | null;
  isAllDay?: boolean;
  isCancelled?: boolean;
  showAs?: string;
  responseStatus?: { response?: string };
  type?: string;
  singleValueExtendedProperties?: { id: string; value: string }[];
}

const RESPONSES: Record<string, ProviderEvent["responseStatus"]> = {
  accepted: "accepted",
  organizer: "accepted",
  tentativelyAccepted: "tentative",
  declined: "declined",
  notResponded: "needsAction",
};

/** Graph dateTime ("2026-11-25T15:00:00.0000000") in its timeZone; we ask for UTC. */
function instant(time: { dateTime: string; timeZone: string }): DateTime {
  const zone = time.timeZone === "UTC" || !time.timeZone ? "utc" : time.timeZone;
  const parsed = DateTime.fromISO(time.dateTime.replace(/(\.\d{3})\d+$/, "$1"), { zone });
  return parsed.isValid ? parsed : DateTime.fromISO(time.dateTime.replace(/(\.\d{3})\d+$/, "$1"), { zone: "utc" });
}

/**
 * All-day events are whole local days. Graph stores them as midnight to midnight
 * of the event's own zone and reports them converted to the zone we asked for
 * (UTC), so read the date back in the original zone when it is not midnight UTC.
 */
function allDayDate(time: DateTime, originalZone: string | null | undefined): string {
  if (time.hour === 0 && time.minute === 0) return time.toISODate()!;
  const local = originalZone ? time.setZone(originalZone) : time;
  return (local.isValid ? local : time).toISODate()!;
}

export function toProviderEvent(event: GraphEvent): ProviderEvent | undefined {
  if (!event.start || !event.end || event.type === "seriesMaster") return undefined;
  const start = instant(event.start);
  const end = instant(event.end);
  const responseStatus = event.responseStatus?.response ? RESPONSES[event.responseStatus.response] : undefined;
  const appointmentId = event.singleValueExtendedProperties?.find(
    (p) => p.id.toLowerCase() === APPOINTMENT_ID_PROPERTY_ID.toLowerCase(),
  )?.value;
  const base = {
    providerEventId: event.id,
    status: event.isCancelled
      ? ("cancelled" as const)
      : event.showAs === "tentative"
        ? ("tentative" as const)
        : ("confirmed" as const),
    transparent: event.showAs === "free",
    ...(responseStatus ? { responseStatus } : {}),
    ...(event.subject ? { title: event.subject } : {}),
    ...(event["@odata.etag"] ? { etag: event["@odata.etag"] } : {}),
    ...(appointmentId ? { appointmentId } : {}),
  };
  if (event.isAllDay) {
    return allDayEvent(
      base,
      allDayDate(start, event.originalStartTimeZone),
      allDayDate(end, event.originalStartTimeZone),
    );
  }
  return { ...base, allDay: false, start: start.toJSDate(), end: end.toJSDate() };
}

/** Graph accepts IANA zone names in dateTimeTimeZone; the time is written local to it. */
export function toGraphBody(event: OutgoingEvent): Record<string, unknown> {
  const local = (date: Date) => ({
    dateTime: DateTime.fromJSDate(date, { zone: event.timeZone }).toFormat("yyyy-MM-dd'T'HH:mm:ss"),
    timeZone: event.timeZone,
  });
  return {
    subject: event.title,
    body: { contentType: "text", content: eventDescription(event) },
    start: local(event.start),
    end: local(event.end),
    ...(event.location ? { location: { displayName: event.location } } : {}),
    showAs: "busy",
    singleValueExtendedProperties: [{ id: APPOINTMENT_ID_PROPERTY_ID, value: event.appointmentId }],
  };
}
