/**
 * The one interface every calendar provider adapter implements (google/,
 * microsoft/, apple/). Adapters speak the provider's wire format and nothing
 * else: no database, no encryption, no retries of their own (src/sync owns
 * retry policy; adapters turn HTTP failures into ProviderError).
 */

export type CalendarProviderName = "google" | "microsoft" | "apple";

/** Every provider an adapter speaks for: calendars and field-service tools (names as stored). */
export type ProviderName = CalendarProviderName | "jobber" | "housecall_pro";

/** Secrets an adapter needs for one call; decrypted by the caller, never stored by adapters. */
export type ProviderCredentials =
  | { kind: "oauth"; accessToken: string }
  | { kind: "basic"; username: string; password: string };

export interface TokenSet {
  accessToken: string;
  /** Absent when the provider did not rotate it: keep the old one. */
  refreshToken?: string;
  expiresAt: Date;
  scope?: string;
}

export interface ProviderAccount {
  email: string;
}

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
}

export interface CalendarProvider {
  readonly name: CalendarProviderName;

  listCalendars(credentials: ProviderCredentials): Promise<ProviderCalendarInfo[]>;
  getAccount(credentials: ProviderCredentials): Promise<ProviderAccount>;
  /** Every event instance in the window, following all pages. */
  listEvents(credentials: ProviderCredentials, calendarId: string, window: SyncWindow): Promise<FullListing>;
  /** Changes since syncState, following all pages. */
  listChanges(
    credentials: ProviderCredentials,
    calendarId: string,
    syncState: string,
    window: SyncWindow,
  ): Promise<ChangeSet>;

  createEvent(credentials: ProviderCredentials, calendarId: string, event: OutgoingEvent): Promise<{ providerEventId: string }>;
  updateEvent(
    credentials: ProviderCredentials,
    calendarId: string,
    providerEventId: string,
    event: OutgoingEvent,
  ): Promise<void>;
  deleteEvent(credentials: ProviderCredentials, calendarId: string, providerEventId: string): Promise<void>;
}

/** Google and Microsoft: OAuth 2 authorization code flow with PKCE. */
export interface OAuthCalendarProvider extends CalendarProvider {
  readonly auth: "oauth";
  authorizationUrl(params: { state: string; codeChallenge: string; redirectUri: string }): string;
  exchangeCode(params: { code: string; codeVerifier: string; redirectUri: string }): Promise<TokenSet>;
  refresh(refreshToken: string): Promise<TokenSet>;
  /** Best effort; false when the provider has no revocation or could not be reached. */
  revoke(token: string): Promise<boolean>;
}

/** Apple iCloud: CalDAV with Basic auth (Apple ID + app-specific password). */
export interface BasicAuthCalendarProvider extends CalendarProvider {
  readonly auth: "basic";
  /** Discovers the principal; throws ProviderError("unauthorized") on bad credentials. */
  verify(credentials: Extract<ProviderCredentials, { kind: "basic" }>): Promise<ProviderAccount>;
}

export type AnyCalendarProvider = OAuthCalendarProvider | BasicAuthCalendarProvider;

export type ProviderErrorKind =
  /** 401: refresh the token once and retry. */
  | "unauthorized"
  /** invalid_grant: the user revoked access; mark the integration "reauthorization required". */
  | "invalid_grant"
  /** 403 other than throttling: missing scope or access. */
  | "forbidden"
  | "not_found"
  /** 429 or throttling 403/503; retryAfterMs from Retry-After when given. */
  | "rate_limited"
  /** 5xx, timeouts, connection errors. */
  | "unavailable"
  /** 409 duplicate on an idempotent insert. */
  | "conflict"
  | "bad_request";

export class ProviderError extends Error {
  override name = "ProviderError";
  constructor(
    readonly provider: ProviderName,
    readonly kind: ProviderErrorKind,
    message: string,
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(`${provider}: ${message}`);
  }

  get retryable(): boolean {
    return this.kind === "rate_limited" || this.kind === "unavailable";
  }
}
