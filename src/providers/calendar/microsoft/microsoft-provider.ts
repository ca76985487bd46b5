import type { Client, GraphRequest } from "@microsoft/microsoft-graph-client";
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
import type { ProviderCredentials } from "../../kit/connector.js";
import { graphClientFor } from "./graph-client.js";
import { isSyncReset, toProviderError } from "./graph-errors.js";
import { toGraphBody, toProviderEvent, type GraphEvent } from "./graph-events.js";
import { authorizationUrl, requestTokens, type MicrosoftSettings } from "./graph-oauth.js";

interface GraphPage<T> {
  value: T[];
  "@odata.nextLink"?: string;
  "@odata.deltaLink"?: string;
}

/** Events per delta page; Graph honours up to its own cap. */
const DELTA_PAGE_SIZE = 200;

/**
 * Outlook calendars through Microsoft Graph v1.0. Full listings are the first
 * round of calendarView/delta (every instance in the window, recurring series
 * already expanded, and the deltaLink for the next round in one pass);
 * incremental syncs replay the saved deltaLink.
 */
export function createMicrosoftProvider(settings: MicrosoftSettings): OAuthCalendarProvider {
  const clientFor = (credentials: ProviderCredentials): Promise<Client> =>
    graphClientFor(settings.graphBaseUrl, credentials);

  /** One Graph GET with its own timeout; failures become ProviderErrors (or DeltaTokenExpired inside a delta round). */
  async function getJson<T>(request: GraphRequest, inDeltaRound = false): Promise<T> {
    try {
      return (await request.option("signal", AbortSignal.timeout(settings.requestTimeoutMs)).get()) as T;
    } catch (error) {
      if (inDeltaRound && isSyncReset(error)) throw new DeltaTokenExpired();
      throw toProviderError(error);
    }
  }

  async function send<T>(request: (timeout: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await request(AbortSignal.timeout(settings.requestTimeoutMs));
    } catch (error) {
      throw toProviderError(error);
    }
  }

  async function getAll<T>(client: Client, path: string): Promise<T[]> {
    const items: T[] = [];
    let next: string | undefined = path;
    while (next) {
      const page: GraphPage<T> = await getJson(client.api(next));
      items.push(...page.value);
      next = page["@odata.nextLink"];
    }
    return items;
  }

  /** Follows one delta round to its deltaLink. */
  async function deltaRound(client: Client, firstUrl: string) {
    const upserts: ProviderEvent[] = [];
    const deletions: string[] = [];
    let next: string | undefined = firstUrl;
    for (;;) {
      const page: GraphPage<GraphEvent> = await getJson(
        client.api(next).header("Prefer", `odata.maxpagesize=${DELTA_PAGE_SIZE}, outlook.timezone="UTC"`),
        true,
      );
      for (const item of page.value) {
        if (item["@removed"]) {
          deletions.push(item.id);
          continue;
        }
        const event = toProviderEvent(item);
        if (event) upserts.push(event);
      }
      if (page["@odata.deltaLink"]) return { upserts, deletions, deltaLink: page["@odata.deltaLink"] };
      next = page["@odata.nextLink"];
      if (!next) throw new ProviderError("microsoft", "unavailable", "delta page without nextLink or deltaLink");
    }
  }

  const calendarPath = (calendarId: string) => `/me/calendars/${encodeURIComponent(calendarId)}`;
  const eventRequest = async (credentials: ProviderCredentials, id: string) =>
    (await clientFor(credentials)).api(`/me/events/${encodeURIComponent(id)}`);

  return {
    name: "microsoft",
    auth: "oauth",

    authorizationUrl: (params) => authorizationUrl(settings, params),

    exchangeCode: ({ code, codeVerifier, redirectUri }) =>
      requestTokens(settings, {
        grant_type: "authorization_code",
        code,
        code_verifier: codeVerifier,
        redirect_uri: redirectUri,
      }),

    refresh: (refreshToken) => requestTokens(settings, { grant_type: "refresh_token", refresh_token: refreshToken }),

    // The Microsoft identity platform has no token revocation endpoint.
    revoke: async () => false,

    async getAccount(credentials) {
      const client = await clientFor(credentials);
      const me: { mail?: string | null; userPrincipalName?: string } = await getJson(
        client.api("/me").select(["mail", "userPrincipalName"]),
      );
      const email = me.mail ?? me.userPrincipalName;
      if (!email) throw new ProviderError("microsoft", "bad_request", "the account has no mail or userPrincipalName");
      return { email };
    },

    async listCalendars(credentials): Promise<ProviderCalendarInfo[]> {
      const calendars = await getAll<{ id: string; name: string; isDefaultCalendar?: boolean; canEdit?: boolean }>(
        await clientFor(credentials),
        "/me/calendars?$select=id,name,isDefaultCalendar,canEdit&$top=100",
      );
      return calendars.map((c) => ({
        id: c.id,
        name: c.name,
        primary: c.isDefaultCalendar === true,
        writable: c.canEdit !== false,
      }));
    },

    async listEvents(credentials, calendarId, window: SyncWindow): Promise<FullListing> {
      const query = new URLSearchParams({
        startDateTime: window.start.toISOString(),
        endDateTime: window.end.toISOString(),
      });
      try {
        const round = await deltaRound(
          await clientFor(credentials),
          `${calendarPath(calendarId)}/calendarView/delta?${query}`,
        );
        return { events: round.upserts, nextSyncState: round.deltaLink };
      } catch (error) {
        if (error instanceof DeltaTokenExpired) {
          throw new ProviderError("microsoft", "unavailable", "a skip token expired during the listing; list again");
        }
        throw error;
      }
    },

    async listChanges(credentials, calendarId, syncState): Promise<ChangeSet> {
      // The state is the deltaLink itself; anything else (or another host) cannot be replayed.
      if (!syncState.startsWith(`${settings.graphBaseUrl}/`) || !syncState.includes("/calendarView/delta")) {
        return { kind: "full_sync_required" };
      }
      try {
        const round = await deltaRound(await clientFor(credentials), syncState);
        return { kind: "changes", upserts: round.upserts, deletions: round.deletions, nextSyncState: round.deltaLink };
      } catch (error) {
        if (error instanceof DeltaTokenExpired) return { kind: "full_sync_required" };
        throw error;
      }
    },

    async createEvent(credentials, calendarId, event: OutgoingEvent) {
      const client = await clientFor(credentials);
      // transactionId makes Graph return the first event when a retried POST repeats it.
      const created: GraphEvent = await send((signal) =>
        client
          .api(`${calendarPath(calendarId)}/events`)
          .option("signal", signal)
          .post({ ...toGraphBody(event), transactionId: event.appointmentId }),
      );
      return writtenOf(created);
    },

    async updateEvent(credentials, _calendarId, providerEventId, event, etag) {
      const request = await eventRequest(credentials, providerEventId);
      if (etag) request.header("If-Match", etag);
      const updated: GraphEvent = await send((signal) => request.option("signal", signal).patch(toGraphBody(event)));
      return writtenOf({ ...updated, id: updated.id ?? providerEventId });
    },

    async deleteEvent(credentials, _calendarId, providerEventId) {
      const request = await eventRequest(credentials, providerEventId);
      try {
        await send((signal) => request.option("signal", signal).delete());
      } catch (error) {
        // Already gone is what we wanted.
        if (error instanceof ProviderError && error.kind === "not_found") return;
        throw error;
      }
    },
  };
}

function writtenOf(event: GraphEvent): WrittenEvent {
  return { providerEventId: event.id, ...(event["@odata.etag"] ? { etag: event["@odata.etag"] } : {}) };
}

/** Graph dropped the delta round's state (410 / syncStateNotFound / resyncRequired). */
class DeltaTokenExpired extends Error {}
