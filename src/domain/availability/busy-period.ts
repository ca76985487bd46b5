/** One thing that makes the business unavailable for [start, end). */
export interface BusyPeriod {
  kind: "appointment" | "block" | "calendar_event";
  /** Appointment id, block id or provider event id, depending on kind. */
  id: string;
  start: Date;
  end: Date;
  title?: string;
  /** Set for calendar events: the provider of the calendar (e.g. "google"). */
  provider?: string;
  /** Set for calendar events: the provider's id and the name of the calendar holding it. */
  calendarId?: string;
  calendarName?: string;
}
