import { stringify } from "node:querystring";
import type { calendar_v3 } from "googleapis/build/src/apis/calendar/index.js";
import { ProviderError } from "../../kit/provider-error.js";
import type {
  ChangeSet,
  FullListing,
  OAuthCalendarProvider,
  OutgoingEvent,
  ProviderCalendarInfo,
  ProviderEvent,
  SyncWindow,
  WrittenEvent,
} from "../calendar-provider.js";
import type { ProviderAccount, ProviderCredentials, TokenSet } from "../../kit/connector.js";
import { toProviderError } from "./google-errors.js";
import { googleEventIdFor, overlapsWindow, toGoogleEvent, toProviderEvent } from "./google-event-mapping.js";
import { calendarApiCaller, loadGoogleSdk, type CalendarCall, type RefreshingOAuth2Client } from "./google-sdk.js";

export interface GoogleSettings {
  clientId: string;
  clientSecret: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  /** Root of the Calendar API (https://www.googleapis.com, or a fake's origin). */
  calendarApiBaseUrl: string;
  /** Per request (PROVIDER_REQUEST_TIMEOUT_MS); a hung provider must not hold a sync or a delivery forever. */
  requestTimeoutMs: number;
}

/**
 * Read calendars and write events, nothing more: calendar.events covers
 * events.list/insert/update/delete on every calendar; calendarlist.readonly
 * lists the calendars (the primary one's id is the account email), so no
 * profile scope is needed.
 */
export const GOOGLE_SCOPES = [
  "https://www.googleapis.com/auth/calendar.events",
  "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
];

/** Google's maximum page size for events.list. */
const EVENTS_PAGE_SIZE = 2500;

export class GoogleCalendarProvider implements OAuthCalendarProvider {
  readonly name = "google" as const;
  readonly auth = "oauth" as const;
  private readonly call: CalendarCall;
  private readonly timeoutMs: number;

  constructor(private readonly settings: GoogleSettings) {
    this.timeoutMs = settings.requestTimeoutMs;
    // Retries are decided once, in app/integrations/provider-retry-policy.ts (with Retry-After); the library's own are off.
    // Node's fetch rather than gaxios's node-fetch: every provider then calls out through undici, which
    // metrics and tracing observe through diagnostics channels.
    this.call = calendarApiCaller({
      version: "v3",
      rootUrl: `${settings.calendarApiBaseUrl}/`,
      retry: false,
      timeout: this.timeoutMs,
      fetchImplementation: fetch,
    });
  }

  private async oauthClient(redirectUri?: string): Promise<RefreshingOAuth2Client> {
    const { RefreshingOAuth2Client } = await loadGoogleSdk();
    const client = new RefreshingOAuth2Client({
      clientId: this.settings.clientId,
      clientSecret: this.settings.clientSecret,
      ...(redirectUri ? { redirectUri } : {}),
      endpoints: {
        oauth2AuthBaseUrl: this.settings.authorizeUrl,
        oauth2TokenUrl: this.settings.tokenUrl,
        oauth2RevokeUrl: this.settings.revokeUrl,
      },
    });
    // google-auth-library asks gaxios to retry token calls (retryConfig wins over retry: false); our policy decides instead.
    client.transporter.interceptors.request.add({
      resolved: async (config) =>
        Object.assign(config, {
          retry: false,
          retryConfig: { retry: 0, noResponseRetries: 0 },
          timeout: this.timeoutMs,
          fetchImplementation: fetch,
        }),
    });
    return client;
  }

  /**
   * Written out rather than asked of OAuth2Client.generateAuthUrl: this is synchronous and the SDK loads on
   * first use. Same parameters, order and encoding (node:querystring) as generateAuthUrl.
   */
  authorizationUrl(params: { state: string; codeChallenge: string; redirectUri: string }): string {
    const query = stringify({
      access_type: "offline",
      prompt: "consent",
      scope: GOOGLE_SCOPES.join(" "),
      include_granted_scopes: false,
      state: params.state,
      code_challenge: params.codeChallenge,
      code_challenge_method: "S256",
      response_type: "code",
      client_id: this.settings.clientId,
      redirect_uri: params.redirectUri,
    });
    return `${this.settings.authorizeUrl}?${query}`;
  }

  async exchangeCode(params: { code: string; codeVerifier: string; redirectUri: string }): Promise<TokenSet> {
    const client = await this.oauthClient(params.redirectUri);
    try {
      const { tokens } = await client.getToken({
        code: params.code,
        codeVerifier: params.codeVerifier,
        redirect_uri: params.redirectUri,
      });
      return tokenSetOf(tokens);
    } catch (error) {
      throw toProviderError(error);
    }
  }

  async refresh(refreshToken: string): Promise<TokenSet> {
    const client = await this.oauthClient();
    try {
      const { tokens } = await client.refreshWith(refreshToken);
      const set = tokenSetOf(tokens);
      // Only a refresh token Google actually sent back counts as a rotation.
      return set.refreshToken === refreshToken ? { ...set, refreshToken: undefined } : set;
    } catch (error) {
      throw toProviderError(error);
    }
  }

  async revoke(token: string): Promise<boolean> {
    const client = await this.oauthClient();
    try {
      await client.revokeToken(token);
      return true;
    } catch {
      return false;
    }
  }

  async getAccount(credentials: ProviderCredentials): Promise<ProviderAccount> {
    const calendars = await this.listCalendars(credentials);
    const primary = calendars.find((c) => c.primary);
    if (!primary) throw new ProviderError("google", "forbidden", "the account has no primary calendar");
    return { email: primary.id };
  }

  async listCalendars(credentials: ProviderCredentials): Promise<ProviderCalendarInfo[]> {
    const calendars: ProviderCalendarInfo[] = [];
    let pageToken: string | undefined;
    do {
      const page = await this.call((api) =>
        api.calendarList.list({ maxResults: 250, ...(pageToken ? { pageToken } : {}) }, this.authOf(credentials)),
      );
      for (const entry of page.items ?? []) {
        if (!entry.id) continue;
        calendars.push({
          id: entry.id,
          name: entry.summaryOverride ?? entry.summary ?? entry.id,
          ...(entry.timeZone ? { timeZone: entry.timeZone } : {}),
          primary: entry.primary === true,
          writable: entry.accessRole === "owner" || entry.accessRole === "writer",
        });
      }
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken);
    return calendars;
  }

  async listEvents(credentials: ProviderCredentials, calendarId: string, window: SyncWindow): Promise<FullListing> {
    const events: ProviderEvent[] = [];
    let pageToken: string | undefined;
    let nextSyncState: string | undefined;
    do {
      const page = await this.call((api) =>
        api.events.list(
          {
            calendarId,
            singleEvents: true,
            timeMin: window.start.toISOString(),
            timeMax: window.end.toISOString(),
            maxResults: EVENTS_PAGE_SIZE,
            ...(pageToken ? { pageToken } : {}),
          },
          this.authOf(credentials),
        ),
      );
      for (const item of page.items ?? []) {
        const event = toProviderEvent(item);
        if (event) events.push(event);
      }
      pageToken = page.nextPageToken ?? undefined;
      nextSyncState = page.nextSyncToken ?? nextSyncState;
    } while (pageToken);
    return { events, ...(nextSyncState ? { nextSyncState } : {}) };
  }

  async listChanges(
    credentials: ProviderCredentials,
    calendarId: string,
    syncState: string,
    window: SyncWindow,
  ): Promise<ChangeSet> {
    const upserts: ProviderEvent[] = [];
    const deletions: string[] = [];
    const movedOutOfWindow: ProviderEvent[] = [];
    let pageToken: string | undefined;
    let nextSyncState: string | undefined;
    do {
      let page: calendar_v3.Schema$Events;
      try {
        // A sync token cannot be combined with timeMin/timeMax/orderBy: the window is applied here.
        page = await this.call((api) =>
          api.events.list(
            {
              calendarId,
              singleEvents: true,
              syncToken: syncState,
              maxResults: EVENTS_PAGE_SIZE,
              ...(pageToken ? { pageToken } : {}),
            },
            this.authOf(credentials),
          ),
        );
      } catch (error) {
        // 410 (reason fullSyncRequired): the token expired; drop it and read everything again.
        if (error instanceof ProviderError && error.status === 410) return { kind: "full_sync_required" };
        throw error;
      }
      for (const item of page.items ?? []) {
        const event = toProviderEvent(item);
        if (event && overlapsWindow(event, window)) upserts.push(event);
        else if (event) movedOutOfWindow.push(event);
        else if (item.id) deletions.push(item.id);
      }
      pageToken = page.nextPageToken ?? undefined;
      nextSyncState = page.nextSyncToken ?? nextSyncState;
    } while (pageToken);
    if (!nextSyncState) throw new ProviderError("google", "bad_request", "the last page carried no nextSyncToken");
    return { kind: "changes", upserts, deletions, movedOutOfWindow, nextSyncState };
  }

  async createEvent(credentials: ProviderCredentials, calendarId: string, event: OutgoingEvent): Promise<WrittenEvent> {
    const id = googleEventIdFor(event.appointmentId);
    try {
      const created = await this.call((api) =>
        api.events.insert(
          { calendarId, sendUpdates: "none", requestBody: { ...toGoogleEvent(event), id } },
          this.authOf(credentials),
        ),
      );
      return { providerEventId: id, ...(created.etag ? { etag: created.etag } : {}) };
    } catch (error) {
      // 409 duplicate: an earlier attempt of this same insert went through; read its version.
      if (!(error instanceof ProviderError && error.kind === "conflict")) throw error;
    }
    const existing = await this.call((api) => api.events.get({ calendarId, eventId: id }, this.authOf(credentials)));
    return { providerEventId: id, ...(existing.etag ? { etag: existing.etag } : {}) };
  }

  async updateEvent(
    credentials: ProviderCredentials,
    calendarId: string,
    providerEventId: string,
    event: OutgoingEvent,
    etag?: string,
  ): Promise<WrittenEvent> {
    // patch (not update): fields we do not own (reminders, colour, attendees) stay as the business set them.
    const auth = this.authOf(credentials);
    const patched = await this.call((api) =>
      api.events.patch(
        { calendarId, eventId: providerEventId, sendUpdates: "none", requestBody: toGoogleEvent(event) },
        etag ? { headers: { ...auth.headers, "If-Match": etag } } : auth,
      ),
    );
    if (patched.status === "cancelled") {
      throw new ProviderError("google", "not_found", "the event was deleted in the calendar", undefined, 410);
    }
    return { providerEventId, ...(patched.etag ? { etag: patched.etag } : {}) };
  }

  async deleteEvent(credentials: ProviderCredentials, calendarId: string, providerEventId: string): Promise<void> {
    try {
      await this.call((api) =>
        api.events.delete({ calendarId, eventId: providerEventId, sendUpdates: "none" }, this.authOf(credentials)),
      );
    } catch (error) {
      // Already gone (404, or 410 for an event deleted before): the goal is reached.
      if (!(error instanceof ProviderError && error.kind === "not_found")) throw error;
    }
  }

  private authOf(credentials: ProviderCredentials): { headers: Record<string, string> } {
    if (credentials.kind !== "oauth")
      throw new ProviderError("google", "unauthorized", "Google needs OAuth credentials");
    return { headers: { Authorization: `Bearer ${credentials.accessToken}` } };
  }
}

function tokenSetOf(tokens: {
  access_token?: string | null;
  refresh_token?: string | null;
  expiry_date?: number | null;
  scope?: string;
}): TokenSet {
  if (!tokens.access_token) throw new ProviderError("google", "bad_request", "token response without access_token");
  return {
    accessToken: tokens.access_token,
    ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    expiresAt: new Date(tokens.expiry_date ?? Date.now() + 3_600_000),
    ...(tokens.scope ? { scope: tokens.scope } : {}),
  };
}
