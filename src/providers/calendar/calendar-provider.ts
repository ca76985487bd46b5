import type { BasicConnector, OAuthConnector, ProviderAccount, ProviderCredentials } from "../kit/connector.js";

/**
 * The capability every calendar adapter implements (google/, microsoft/,
 * apple/): read calendars and busy time. Adapters speak the provider's wire
 * format and nothing else: no database, no encryption, no retries of their
 * own (app/integrations/provider-retry-policy.ts decides; adapters turn HTTP
 * failures into ProviderError).
 */

export type CalendarProviderName = "google" | "microsoft" | "apple";

export interface ProviderCalendarInfo {
  id: string;
  name: string;
  timeZone?: string;
  primary: boolean;
  /** False for read-only calendars (holidays, shared views): never receives events. */
  writable: boolean;
}

/** [start, end) of UTC instants. */
export interface SyncWindow {
  start: Date;
  end: Date;
}

/**
 * One event instance as the availability engine needs it. Recurring series
 * arrive expanded into instances inside the window, each with its own id.
 */
export interface ProviderEvent {
  providerEventId: string;
  /** UTC instants; for all-day events, midnight UTC of startDate/endDate. */
  start: Date;
  end: Date;
  allDay: boolean;
  /** All-day events: local dates, end exclusive (YYYY-MM-DD). */
  startDate?: string;
  endDate?: string;
  status: "confirmed" | "tentative" | "cancelled";
  /** TRANSP:TRANSPARENT / showAs free: does not block time. */
  transparent: boolean;
  /** The account owner's answer when invited. */
  responseStatus?: "accepted" | "declined" | "tentative" | "needsAction";
  title?: string;
  etag?: string;
  /** Our appointment id, when the event is one we wrote (extended property / X- property). */
  appointmentId?: string;
  /** Field-service work: the platform's ids of its crew (ScheduledItem.technicianIds). */
  technicianIds?: string[];
}

/** An all-day event: local dates (end exclusive), instants at their UTC midnights. */
export function allDayEvent(
  base: Omit<ProviderEvent, "allDay" | "startDate" | "endDate" | "start" | "end">,
  startDate: string,
  endDate: string,
): ProviderEvent {
  return {
    ...base,
    allDay: true,
    startDate,
    endDate,
    start: new Date(`${startDate}T00:00:00Z`),
    end: new Date(`${endDate}T00:00:00Z`),
  };
}

export type ChangeSet =
  | {
      kind: "changes";
      upserts: ProviderEvent[];
      /** Provider event ids (instance ids for expanded series) that are gone. */
      deletions: string[];
      /**
       * Events that still exist but now lie wholly outside the window (a provider whose
       * change feed is not windowed reports them): busy nowhere we look, yet not deleted,
       * so one of our events moved far ahead moves its appointment instead of cancelling it.
       */
      movedOutOfWindow?: ProviderEvent[];
      /** Opaque; saved per calendar and passed to the next listChanges. */
      nextSyncState: string;
    }
  /** The saved state is no longer valid (Google 410, expired delta link, bad sync-token). */
  | { kind: "full_sync_required" };

export interface FullListing {
  events: ProviderEvent[];
  /** State for the next incremental sync, when the provider has one. */
  nextSyncState?: string;
}

/** The event we write into a provider calendar for one of our appointments. */
export interface OutgoingEvent {
  /** Our appointment id; adapters derive a provider-acceptable idempotent id from it where possible. */
  appointmentId: string;
  title: string;
  description?: string;
  location?: string;
  start: Date;
  end: Date;
  timeZone: string;
  /** Who the job is for: written into the event so the business can call back from its calendar. */
  customer: { name: string; phone: string; email?: string };
}

/** An event as written: its id and, where the provider has one, the version to send back as If-Match. */
export interface WrittenEvent {
  providerEventId: string;
  etag?: string;
}

/** The event body text: the appointment's description followed by the customer's contact. */
export function eventDescription(event: OutgoingEvent): string {
  const contact = [event.customer.name, event.customer.phone, event.customer.email].filter(Boolean).join(" · ");
  return [event.description, `Customer: ${contact}`].filter(Boolean).join("\n\n");
}

/** Capability: where busy time is read from. */
export interface BusyTimeSource {
  listCalendars(credentials: ProviderCredentials): Promise<ProviderCalendarInfo[]>;
  /** Every event instance in the window, following all pages. */
  listEvents(credentials: ProviderCredentials, calendarId: string, window: SyncWindow): Promise<FullListing>;
  /** Changes since syncState, following all pages. */
  listChanges(
    credentials: ProviderCredentials,
    calendarId: string,
    syncState: string,
    window: SyncWindow,
  ): Promise<ChangeSet>;
}

/**
 * Capability: where our appointments are written as events. Every call is
 * safe to repeat: createEvent finds its own earlier event (client-chosen id,
 * transactionId, If-None-Match) instead of making a second one; updateEvent
 * of a missing event is not_found (never re-created) and, given an etag, a
 * changed event is precondition_failed; deleteEvent of a gone event succeeds.
 */
export interface EventDestination {
  createEvent(credentials: ProviderCredentials, calendarId: string, event: OutgoingEvent): Promise<WrittenEvent>;
  updateEvent(
    credentials: ProviderCredentials,
    calendarId: string,
    providerEventId: string,
    event: OutgoingEvent,
    etag?: string,
  ): Promise<WrittenEvent>;
  deleteEvent(credentials: ProviderCredentials, calendarId: string, providerEventId: string): Promise<void>;
}

/** A calendar adapter: both capabilities, one provider's wire format. */
export interface CalendarProvider extends BusyTimeSource, EventDestination {
  readonly name: CalendarProviderName;
  getAccount(credentials: ProviderCredentials): Promise<ProviderAccount>;
}

/** Google and Microsoft: one adapter object is both the calendar and its OAuth connector. */
export interface OAuthCalendarProvider extends CalendarProvider, OAuthConnector {}

/** Apple iCloud: CalDAV with Basic auth (Apple ID + app-specific password). */
export interface BasicAuthCalendarProvider extends CalendarProvider, BasicConnector {}
