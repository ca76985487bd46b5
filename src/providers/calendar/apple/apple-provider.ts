import type { DAVResponse } from "tsdav";
import { ProviderError } from "../../kit/provider-error.js";
import type {
  BasicAuthCalendarProvider,
  ChangeSet,
  FullListing,
  ProviderCalendarInfo,
  ProviderEvent,
  SyncWindow,
} from "../calendar-provider.js";
import type { ProviderCredentials } from "../../kit/connector.js";
import { caldavError } from "./caldav-errors.js";
import { CALDAV_NAMESPACES, CaldavSession, escapeXml } from "./caldav-session.js";
import { decodeSyncState, encodeSyncState, type CaldavSyncState } from "./caldav-sync-state.js";
import { expandCalendarObject } from "./ical-expansion.js";
import { toICalendar, uidOfAppointment } from "./ical-writer.js";

export interface AppleSettings {
  /** https://caldav.icloud.com, or a CalDAV server's root for tests. */
  caldavUrl: string;
  /** Per request (PROVIDER_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs: number;
}

/** Objects fetched per calendar-multiget. */
const MULTIGET_BATCH = 100;

const propfindBody = (props: string) =>
  `<?xml version="1.0" encoding="utf-8"?><d:propfind ${CALDAV_NAMESPACES}><d:prop>${props}</d:prop></d:propfind>`;

/** CalDAV time-range stamps: UTC basic format. */
const stamp = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

const text = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "object" && "_cdata" in value) return String((value as { _cdata: unknown })._cdata);
  if (typeof value === "object" && "_text" in value) return String((value as { _text: unknown })._text);
  return typeof value === "object" ? undefined : String(value);
};

const hrefOf = (value: unknown): string | undefined => {
  const href = (value as { href?: unknown } | undefined)?.href;
  return text(Array.isArray(href) ? href[0] : href);
};

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/**
 * Apple iCloud calendars over CalDAV with an Apple ID and an app-specific
 * password (Basic auth). Calendar ids are the collections' absolute URLs.
 * The server neither expands recurrences nor answers free-busy queries we can
 * rely on, so we read the iCalendar objects and expand them ourselves.
 */
export function createAppleProvider(settings: AppleSettings): BasicAuthCalendarProvider {
  const rootUrl = `${settings.caldavUrl}/`;

  async function discoverHome(session: CaldavSession): Promise<string> {
    const [root] = await session.xml("PROPFIND", rootUrl, "0", propfindBody("<d:current-user-principal/>"));
    const principal = hrefOf(root?.props?.currentUserPrincipal);
    if (!principal) throw new ProviderError("apple", "not_found", "the server reported no current-user-principal");
    const principalUrl = new URL(principal, rootUrl).href;
    const [home] = await session.xml("PROPFIND", principalUrl, "0", propfindBody("<c:calendar-home-set/>"));
    const homeHref = hrefOf(home?.props?.calendarHomeSet);
    if (!homeHref) throw new ProviderError("apple", "not_found", "the principal has no calendar-home-set");
    return new URL(homeHref, principalUrl).href;
  }

  const owner = (credentials: ProviderCredentials) => (credentials.kind === "basic" ? credentials.username : "");

  /** Discovery doubles as the credentials check: the Apple ID is the account. */
  async function account(credentials: ProviderCredentials) {
    await discoverHome(new CaldavSession(credentials, settings.requestTimeoutMs));
    return { email: owner(credentials) };
  }

  /**
   * One unreadable resource (broken iCalendar written by some client) must not
   * stop every future sync of the calendar: it contributes no busy time.
   */
  function instancesOf(object: { etag?: string; data: string }, window: SyncWindow, credentials: ProviderCredentials) {
    try {
      return expandCalendarObject(object.data, window, owner(credentials), object.etag);
    } catch {
      return [];
    }
  }

  /** calendar-data of the given resources, by href; resources gone meanwhile are absent. */
  async function multiget(session: CaldavSession, calendarUrl: string, hrefs: string[]) {
    const found = new Map<string, { etag?: string; data: string }>();
    for (let i = 0; i < hrefs.length; i += MULTIGET_BATCH) {
      const batch = hrefs.slice(i, i + MULTIGET_BATCH);
      const responses = await session.xml(
        "REPORT",
        calendarUrl,
        "1",
        `<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget ${CALDAV_NAMESPACES}><d:prop><d:getetag/><c:calendar-data/></d:prop>${batch
          .map((href) => `<d:href>${escapeXml(href)}</d:href>`)
          .join("")}</c:calendar-multiget>`,
      );
      for (const response of responses) collect(found, response, calendarUrl);
    }
    return found;
  }

  function collect(into: Map<string, { etag?: string; data: string }>, response: DAVResponse, calendarUrl: string) {
    const data = text(response.props?.calendarData);
    if (!response.ok || !response.href || !data) return;
    into.set(new URL(response.href, calendarUrl).pathname, { etag: text(response.props?.getetag), data });
  }

  const timeRangeQuery = (window: SyncWindow, props: string) =>
    `<?xml version="1.0" encoding="utf-8"?><c:calendar-query ${CALDAV_NAMESPACES}><d:prop>${props}</d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${stamp(window.start)}" end="${stamp(window.end)}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`;

  /** Changed and deleted resource hrefs since the token, or undefined when the token is no longer valid. */
  async function syncCollection(session: CaldavSession, calendarUrl: string, token: string) {
    const changed = new Map<string, string | undefined>();
    const deleted = new Set<string>();
    let current = token;
    for (;;) {
      let responses: DAVResponse[];
      try {
        responses = await session.xml(
          "REPORT",
          calendarUrl,
          "0",
          `<?xml version="1.0" encoding="utf-8"?><d:sync-collection ${CALDAV_NAMESPACES}><d:sync-token>${escapeXml(current)}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
        );
      } catch (error) {
        // RFC 6578: an unknown or expired token is 403 (DAV:valid-sync-token); some servers say 409/410.
        if (error instanceof ProviderError && [403, 409, 410].includes(error.status ?? 0)) return undefined;
        throw error;
      }
      const calendarPath = new URL(calendarUrl).pathname;
      let truncated = false;
      for (const response of responses) {
        if (!response.href) continue;
        const path = new URL(response.href, calendarUrl).pathname;
        if (path === calendarPath) {
          truncated ||= response.status === 507;
          continue;
        }
        if (response.status === 404) {
          deleted.add(path);
          changed.delete(path);
        } else {
          changed.set(path, text(response.props?.getetag));
          deleted.delete(path);
        }
      }
      const raw = responses[0]?.raw as { multistatus?: { syncToken?: unknown } } | undefined;
      current = text(raw?.multistatus?.syncToken) ?? current;
      if (!truncated) return { changed: [...changed.keys()], deleted: [...deleted], token: current };
    }
  }

  async function collectionSyncToken(session: CaldavSession, calendarUrl: string): Promise<string | undefined> {
    const [calendar] = await session.xml("PROPFIND", calendarUrl, "0", propfindBody("<d:sync-token/>"));
    return text(calendar?.props?.syncToken);
  }

  return {
    name: "apple",
    auth: "basic",

    verify: account,
    getAccount: account,

    async listCalendars(credentials): Promise<ProviderCalendarInfo[]> {
      const session = new CaldavSession(credentials, settings.requestTimeoutMs);
      const homeUrl = await discoverHome(session);
      const responses = await session.xml(
        "PROPFIND",
        homeUrl,
        "1",
        propfindBody(
          "<d:displayname/><d:resourcetype/><c:supported-calendar-component-set/><d:current-user-privilege-set/>",
        ),
      );
      const calendars: ProviderCalendarInfo[] = [];
      for (const response of responses) {
        const props = response.props ?? {};
        if (!response.href || !Object.keys(props.resourcetype ?? {}).includes("calendar")) continue;
        const components = asArray(
          props.supportedCalendarComponentSet?.comp as { _attributes?: { name?: string } }[],
        ).map((c) => c._attributes?.name?.toUpperCase());
        if (components.length > 0 && !components.includes("VEVENT")) continue;
        const privileges = asArray(props.currentUserPrivilegeSet?.privilege as Record<string, unknown>[]).flatMap((p) =>
          Object.keys(p),
        );
        const url = new URL(response.href, homeUrl).href;
        calendars.push({
          id: url,
          name:
            text(props.displayname) ??
            decodeURIComponent(new URL(url).pathname.split("/").filter(Boolean).at(-1) ?? url),
          primary: false,
          writable:
            privileges.length === 0 || privileges.some((p) => ["write", "writeContent", "all", "bind"].includes(p)),
        });
      }
      // CalDAV has no "primary" flag: the first event calendar of the home stands in for it.
      if (calendars[0]) calendars[0].primary = true;
      return calendars;
    },

    async listEvents(credentials, calendarUrl, window): Promise<FullListing> {
      const session = new CaldavSession(credentials, settings.requestTimeoutMs);
      // The token is read before the listing: a change in between is replayed, never lost.
      const token = await collectionSyncToken(session, calendarUrl);
      const responses = await session.xml(
        "REPORT",
        calendarUrl,
        "1",
        timeRangeQuery(window, "<d:getetag/><c:calendar-data/>"),
      );
      const objects = new Map<string, { etag?: string; data: string }>();
      for (const response of responses) collect(objects, response, calendarUrl);
      const state: CaldavSyncState = { v: 1, ...(token ? { token } : {}), objects: {} };
      const events: ProviderEvent[] = [];
      for (const [href, object] of objects) {
        const instances = instancesOf(object, window, credentials);
        events.push(...instances);
        if (instances.length > 0)
          state.objects[href] = { etag: object.etag, ids: instances.map((e) => e.providerEventId) };
      }
      return { events, nextSyncState: encodeSyncState(state) };
    },

    async listChanges(credentials, calendarUrl, syncState, window): Promise<ChangeSet> {
      const state = decodeSyncState(syncState);
      if (!state) return { kind: "full_sync_required" };
      const session = new CaldavSession(credentials, settings.requestTimeoutMs);

      let changed: string[];
      let deleted: string[];
      let token = state.token;
      if (state.token) {
        const result = await syncCollection(session, calendarUrl, state.token);
        if (!result) return { kind: "full_sync_required" };
        ({ changed, deleted, token } = result);
      } else {
        // No sync-collection on this server: diff the etags of the window.
        const responses = await session.xml("REPORT", calendarUrl, "1", timeRangeQuery(window, "<d:getetag/>"));
        const current = new Map(
          responses
            .filter((r) => r.ok && r.href)
            .map((r) => [new URL(r.href!, calendarUrl).pathname, text(r.props?.getetag)]),
        );
        changed = [...current]
          .filter(([href, etag]) => state.objects[href]?.etag !== etag || etag === undefined)
          .map(([href]) => href);
        deleted = Object.keys(state.objects).filter((href) => !current.has(href));
      }

      const fetched = await multiget(session, calendarUrl, changed);
      const upserts: ProviderEvent[] = [];
      const deletions: string[] = [];
      const objects = { ...state.objects };
      for (const href of [...changed, ...deleted]) {
        const object = fetched.get(href);
        const instances = object ? instancesOf(object, window, credentials) : [];
        const now = new Set(instances.map((e) => e.providerEventId));
        deletions.push(...(objects[href]?.ids ?? []).filter((id) => !now.has(id)));
        upserts.push(...instances);
        if (instances.length > 0) objects[href] = { etag: object?.etag, ids: [...now] };
        else delete objects[href];
      }
      return {
        kind: "changes",
        upserts,
        deletions,
        nextSyncState: encodeSyncState({ v: 1, ...(token ? { token } : {}), objects }),
      };
    },

    async createEvent(credentials, calendarUrl, event) {
      const session = new CaldavSession(credentials, settings.requestTimeoutMs);
      const uid = uidOfAppointment(event.appointmentId);
      const url = resourceUrl(calendarUrl, uid);
      // If-None-Match: a retry finds its own first PUT (412) and changes nothing.
      const response = await session.send(
        "PUT",
        url,
        [412],
        { "content-type": "text/calendar; charset=utf-8", "if-none-match": "*" },
        toICalendar(uid, event),
      );
      const etag = response.status === 412 ? await etagOf(session, url) : response.headers.get("etag");
      return { providerEventId: uid, ...(etag ? { etag } : {}) };
    },

    async updateEvent(credentials, calendarUrl, providerEventId, event, knownEtag) {
      const session = new CaldavSession(credentials, settings.requestTimeoutMs);
      const url = resourceUrl(calendarUrl, providerEventId);
      // Replace only what exists (a missing event is not_found, never re-created) and only the
      // version we know: If-Match with its etag (Radicale does not honour If-Match: *).
      const etag = knownEtag ?? (await etagOf(session, url));
      if (!etag) throw caldavError(404, `PROPFIND ${new URL(url).pathname}`);
      const response = await session.send(
        "PUT",
        url,
        [],
        { "content-type": "text/calendar; charset=utf-8", "if-match": etag },
        toICalendar(providerEventId, event),
      );
      const written = response.headers.get("etag");
      return { providerEventId, ...(written ? { etag: written } : {}) };
    },

    async deleteEvent(credentials, calendarUrl, providerEventId) {
      const session = new CaldavSession(credentials, settings.requestTimeoutMs);
      await session.send("DELETE", resourceUrl(calendarUrl, providerEventId), [404]);
    },
  };
}

/** The resource's current etag, or undefined when it does not exist. */
async function etagOf(session: CaldavSession, url: string): Promise<string | undefined> {
  try {
    const [resource] = await session.xml("PROPFIND", url, "0", propfindBody("<d:getetag/>"));
    return text(resource?.props?.getetag);
  } catch (error) {
    if (error instanceof ProviderError && error.kind === "not_found") return undefined;
    throw error;
  }
}

/** Events we write live at <calendar>/<uid>.ics, so the UID alone finds them again. */
function resourceUrl(calendarUrl: string, uid: string): string {
  return new URL(`${encodeURIComponent(uid)}.ics`, calendarUrl.endsWith("/") ? calendarUrl : `${calendarUrl}/`).href;
}
