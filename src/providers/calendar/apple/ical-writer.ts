import ICAL from "ical.js";
import { eventDescription, type OutgoingEvent } from "../calendar-provider.js";

/** The X- property that carries our appointment id on the events we write. */
export const APPOINTMENT_ID_PROPERTY = "x-universal-calendar-appointment-id";

/** The UID (and resource name) we give the event of one appointment: the same on every retry. */
export function uidOfAppointment(appointmentId: string): string {
  return `${appointmentId}@universal-calendar`;
}

/** One VEVENT with UTC times: unambiguous, and no VTIMEZONE to carry. */
export function toICalendar(uid: string, event: OutgoingEvent, now = new Date()): string {
  const calendar = new ICAL.Component(["vcalendar", [], []]);
  calendar.updatePropertyWithValue("prodid", "-//universal-calendar//EN");
  calendar.updatePropertyWithValue("version", "2.0");
  calendar.updatePropertyWithValue("calscale", "GREGORIAN");
  const vevent = new ICAL.Component("vevent");
  const utc = (date: Date) => ICAL.Time.fromJSDate(date, true);
  vevent.updatePropertyWithValue("uid", uid);
  vevent.updatePropertyWithValue("dtstamp", utc(now));
  vevent.updatePropertyWithValue("dtstart", utc(event.start));
  vevent.updatePropertyWithValue("dtend", utc(event.end));
  vevent.updatePropertyWithValue("summary", event.title);
  vevent.updatePropertyWithValue("description", eventDescription(event));
  if (event.location) vevent.updatePropertyWithValue("location", event.location);
  vevent.updatePropertyWithValue("status", "CONFIRMED");
  vevent.updatePropertyWithValue("transp", "OPAQUE");
  vevent.updatePropertyWithValue(APPOINTMENT_ID_PROPERTY, event.appointmentId);
  calendar.addSubcomponent(vevent);
  return calendar.toString();
}
