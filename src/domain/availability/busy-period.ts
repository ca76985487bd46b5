/** One thing that makes the business (or one technician) unavailable for [start, end). */
export interface BusyPeriod {
  kind: "appointment" | "hold" | "block" | "soft_block" | "calendar_event";
  /** Appointment (or hold) id, block id or provider event id, depending on kind. */
  id: string;
  start: Date;
  end: Date;
  title?: string;
  /** Set for calendar events: the provider of the calendar (e.g. "google"). */
  provider?: string;
  /** Appointments and holds: the technician booked; absent: business-wide. */
  technicianId?: string;
  /** Set for calendar events: the provider's id and the name of the calendar holding it. */
  calendarId?: string;
  calendarName?: string;
  /** Calendar events: our row of that calendar (integration_calendars.id), which a technician links to. */
  calendarRowId?: string;
  /** Field-service work: the platform's ids of its crew (Jobber users, HouseCall Pro employees). */
  crewIds?: string[];
}
