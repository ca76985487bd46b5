import type {
  BusyTimeSource,
  ChangeSet,
  FullListing,
  ProviderCalendarInfo,
  ProviderEvent,
} from "../calendar/calendar-provider.js";
import type { FieldServiceProvider, ScheduledItem } from "./field-service-provider.js";

/** The one "calendar" a field-service account has: its schedule of jobs and visits. */
export const SCHEDULE_CALENDAR_ID = "schedule";

/**
 * A platform's scheduled work as a busy-time source, so it reaches the busy
 * mirror through the same full/incremental sync as calendars.
 *
 * Neither platform offers a change feed for scheduled work: Jobber's visits
 * filter on startAt/endAt and status, not on updatedAt (VisitFilterAttributes),
 * and HouseCall Pro's job list filters on scheduled_start_min/max. Every sync
 * therefore re-lists the sync window and the mirror writer diffs it against
 * the stored rows (only changed rows are written, vanished ones deleted): the
 * listing leaves no sync state, so an incremental sync does exactly that.
 */
export function scheduleAsBusyTime(provider: FieldServiceProvider, scheduleName: string): BusyTimeSource {
  return {
    async listCalendars(): Promise<ProviderCalendarInfo[]> {
      // "writable" makes the schedule checked for conflicts; not primary: our bookings reach a
      // field-service platform as jobs, never as calendar events.
      return [{ id: SCHEDULE_CALENDAR_ID, name: scheduleName, primary: false, writable: true }];
    },
    async listEvents(credentials, _calendarId, window): Promise<FullListing> {
      const items = await provider.listBusyTime(credentials, window);
      return { events: items.map(busyEventOf) };
    },
    async listChanges(): Promise<ChangeSet> {
      return { kind: "full_sync_required" };
    },
  };
}

/** Mirror id of a piece of work: the job id, or job id and visit id where a job has several visits (Jobber). */
export function busyEventIdOf(item: Pick<ScheduledItem, "id" | "jobId">): string {
  return item.id === item.jobId || !item.jobId ? item.id : `${item.jobId}#${item.id}`;
}

/** The job a mirrored busy event id (busyEventIdOf) belongs to. */
export function jobIdOfBusyEvent(providerEventId: string): string {
  return providerEventId.split("#", 1)[0] ?? providerEventId;
}

/** True when a mirrored busy event is work of this job (so moving the job does not conflict with itself). */
export function isBusyEventOfJob(providerEventId: string, jobId: string): boolean {
  return providerEventId === jobId || providerEventId.startsWith(`${jobId}#`);
}

function busyEventOf(item: ScheduledItem): ProviderEvent {
  return {
    providerEventId: busyEventIdOf(item),
    start: item.start,
    end: item.end,
    allDay: false,
    status: "confirmed",
    transparent: false,
    title: item.title,
    technicianIds: item.technicianIds,
  };
}
