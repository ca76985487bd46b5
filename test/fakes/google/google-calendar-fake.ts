import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { GooglePushChannels } from "./google-push-channels.js";

/**
 * An in-memory Google Calendar + Google OAuth server speaking the real wire
 * format (Calendar API v3 JSON, OAuth 2 token endpoint with PKCE), for tests
 * and benchmarks. It covers what the adapter uses: calendarList.list,
 * events.list (singleEvents expansion, pages, sync tokens, 410), events
 * insert/update/delete, the authorization, token and revoke endpoints, and
 * throttling/outages on demand.
 */

export interface FakeEventTime {
  dateTime?: string;
  date?: string;
  timeZone?: string;
}

export interface FakeEventInput {
  id?: string;
  summary?: string;
  start: FakeEventTime;
  end: FakeEventTime;
  status?: "confirmed" | "tentative" | "cancelled";
  transparency?: "opaque" | "transparent";
  /** e.g. ["RRULE:FREQ=DAILY;COUNT=5"] (DAILY/WEEKLY with COUNT or UNTIL, INTERVAL). */
  recurrence?: string[];
  attendees?: { email: string; self?: boolean; responseStatus?: string }[];
}

type EventResource = Record<string, unknown> & {
  id: string;
  status: string;
  start?: FakeEventTime;
  end?: FakeEventTime;
  recurrence?: string[];
  recurringEventId?: string;
  originalStartTime?: FakeEventTime;
};

interface StoredEvent {
  resource: EventResource;
  /** Change sequence number: what sync tokens count. */
  seq: number;
}

interface FakeCalendar {
  id: string;
  summary: string;
  timeZone: string;
  primary: boolean;
  accessRole: "owner" | "writer" | "reader";
  events: Map<string, StoredEvent>;
  /** Sync tokens older than this answer 410 fullSyncRequired. */
  minValidSeq: number;
}

interface FakeAccount {
  email: string;
  calendars: Map<string, FakeCalendar>;
}

interface AuthorizationCode {
  email: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Date.now() when it arrived. */
  at: number;
  /** For the token endpoint. */
  grantType?: string;
  status?: number;
}

export interface InjectedFailure {
  status: number;
  retryAfterSeconds?: number;
  /** Google error reason, e.g. rateLimitExceeded. */
  reason?: string;
}

const CLIENT_ID = "fake-google-client-id";
const CLIENT_SECRET = "fake-google-client-secret";

type Send = (status: number, payload: unknown, headers?: Record<string, string>) => void;

function googleError(code: number, reason: string, message: string) {
  return { error: { errors: [{ domain: "global", reason, message }], code, message } };
}

function compactUtc(iso: string): string {
  return new Date(iso)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

export class GoogleCalendarFake {
  readonly requests: RecordedRequest[] = [];
  /** events.watch channels and their notifications. */
  readonly push = new GooglePushChannels();
  /** Rotate the refresh token on every refresh (Google may; the service must keep the new one). */
  rotateRefreshTokens = false;
  accessTokenLifetimeSeconds = 3599;
  /** Lifetime of the access token a code exchange issues, when it should differ from refreshed ones. */
  exchangedTokenLifetimeSeconds: number | undefined;
  /** What the authorization endpoint last received, for assertions on the URL the service built. */
  lastAuthorizationRequest: Record<string, string> | undefined;
  /** Added to every Calendar API answer, to make overlapping requests observable. */
  apiDelayMs = 0;
  /** The most Calendar API requests of one account in flight at once. */
  maxConcurrentApiRequests = 0;
  private inFlight = new Map<string, number>();
  /** Every event write the API accepted (insert, patch, delete), in order. */
  readonly writes: { method: string; eventId: string }[] = [];
  /**
   * Awaited after a write is stored and before it is answered: a test can
   * kill the client here, between the provider's success and its bookkeeping.
   */
  beforeWriteAnswer: ((write: { method: string; eventId: string }) => Promise<void>) | undefined;
  private insertHangs = { count: 0, ms: 0 };

  private readonly accounts = new Map<string, FakeAccount>();
  private loggedIn: string | undefined;
  private seq = 1;
  private readonly codes = new Map<string, AuthorizationCode>();
  private readonly accessTokens = new Map<string, { email: string; expiresAt: number }>();
  private readonly refreshTokens = new Map<string, string>();
  private readonly pages = new Map<string, { items: EventResource[]; nextSyncToken: string }>();
  private apiFailures: InjectedFailure[] = [];
  private tokenFailures: InjectedFailure[] = [];
  private readonly retiredSecrets: string[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<GoogleCalendarFake> {
    let fake: GoogleCalendarFake | undefined;
    const server = createServer((req, res) => {
      void fake?.handle(req, res).catch((error: unknown) => {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify(googleError(500, "backendError", String(error))));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    fake = new GoogleCalendarFake(server, `http://127.0.0.1:${port}`);
    return fake;
  }

  /** Environment overrides that aim the service at this fake. */
  env(): Record<string, string> {
    return {
      GOOGLE_CLIENT_ID: CLIENT_ID,
      GOOGLE_CLIENT_SECRET: CLIENT_SECRET,
      GOOGLE_OAUTH_AUTHORIZE_URL: `${this.url}/o/oauth2/v2/auth`,
      GOOGLE_OAUTH_TOKEN_URL: `${this.url}/token`,
      GOOGLE_OAUTH_REVOKE_URL: `${this.url}/revoke`,
      GOOGLE_CALENDAR_API_BASE_URL: this.url,
    };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  // ---- test controls -------------------------------------------------------

  /** An account with its primary calendar (id = email) and any extra calendars. */
  addAccount(
    email: string,
    extra: { id: string; summary: string; accessRole?: "owner" | "writer" | "reader" }[] = [],
  ): void {
    const calendars = new Map<string, FakeCalendar>();
    const add = (id: string, summary: string, primary: boolean, accessRole: FakeCalendar["accessRole"]) =>
      calendars.set(id, {
        id,
        summary,
        timeZone: "America/Chicago",
        primary,
        accessRole,
        events: new Map(),
        minValidSeq: 0,
      });
    add(email, email, true, "owner");
    for (const c of extra) add(c.id, c.summary, false, c.accessRole ?? "owner");
    this.accounts.set(email, { email, calendars });
    this.loggedIn ??= email;
  }

  /** Who the authorization endpoint logs in next. */
  loginAs(email: string): void {
    this.loggedIn = email;
  }

  insertEvent(email: string, calendarId: string, input: FakeEventInput): string {
    const calendar = this.calendarOf(email, calendarId);
    const id = input.id ?? `ev${randomBytes(8).toString("hex")}`;
    this.store(calendar, { ...input, id, status: input.status ?? "confirmed" });
    return id;
  }

  updateEvent(email: string, calendarId: string, id: string, patch: Partial<FakeEventInput>): void {
    const calendar = this.calendarOf(email, calendarId);
    const existing = calendar.events.get(id);
    if (!existing) throw new Error(`no event ${id}`);
    this.store(calendar, { ...existing.resource, ...patch, id });
  }

  deleteEvent(email: string, calendarId: string, id: string): void {
    const calendar = this.calendarOf(email, calendarId);
    const existing = calendar.events.get(id);
    if (!existing) throw new Error(`no event ${id}`);
    this.store(calendar, { ...existing.resource, status: "cancelled" });
  }

  /** The stored events of a calendar (cancelled ones included), for assertions. */
  eventsOf(email: string, calendarId: string): Record<string, unknown>[] {
    return [...this.calendarOf(email, calendarId).events.values()].map((e) => e.resource);
  }

  /** The instance id Google gives one occurrence of a series. */
  instanceId(seriesId: string, originalStart: string): string {
    return `${seriesId}_${compactUtc(originalStart)}`;
  }

  /** Moves or retitles one occurrence (an exception of the series). */
  modifyInstance(
    email: string,
    calendarId: string,
    seriesId: string,
    originalStart: string,
    patch: Partial<FakeEventInput>,
  ): string {
    const calendar = this.calendarOf(email, calendarId);
    const series = calendar.events.get(seriesId)?.resource;
    if (!series) throw new Error(`no series ${seriesId}`);
    const instance = this.instancesOf(series).find(
      (i) => i.originalStartTime?.dateTime === new Date(originalStart).toISOString(),
    );
    if (!instance) throw new Error(`series ${seriesId} has no occurrence at ${originalStart}`);
    const overridden = { ...instance, ...patch, id: instance.id } as EventResource;
    this.store(calendar, overridden);
    return instance.id;
  }

  /** Cancels one occurrence of a series. */
  cancelInstance(email: string, calendarId: string, seriesId: string, originalStart: string): string {
    return this.modifyInstance(email, calendarId, seriesId, originalStart, { status: "cancelled" });
  }

  /** Makes every sync token issued so far answer 410 fullSyncRequired. */
  expireSyncTokens(email: string, calendarId: string): void {
    this.calendarOf(email, calendarId).minValidSeq = this.seq;
  }

  /** The next Calendar API requests fail with these answers, in order. */
  failApiRequests(...failures: InjectedFailure[]): void {
    this.apiFailures.push(...failures);
  }

  /**
   * The next `count` events.insert requests sit for `ms` before they are served, as a
   * slow provider would: a client that gave up meanwhile never hears that its insert
   * (applied once the wait is over) succeeded or collided.
   */
  hangNextEventInserts(count: number, ms: number): void {
    this.insertHangs = { count, ms };
  }

  /** Drops failures injected but not yet served. */
  clearFailures(): void {
    this.apiFailures = [];
    this.tokenFailures = [];
  }

  failTokenRequests(...failures: InjectedFailure[]): void {
    this.tokenFailures.push(...failures);
  }

  /** Every access token issued so far answers 401 from now on. */
  expireAccessTokens(): void {
    for (const token of this.accessTokens.values()) token.expiresAt = 0;
  }

  /** The user revoked access: every refresh token of the account answers invalid_grant. */
  revokeGrant(email: string): void {
    for (const [token, owner] of this.refreshTokens) {
      if (owner !== email) continue;
      this.refreshTokens.delete(token);
      this.retiredSecrets.push(token);
    }
    for (const [token, owner] of this.accessTokens) {
      if (owner.email !== email) continue;
      this.accessTokens.delete(token);
      this.retiredSecrets.push(token);
    }
  }

  /** Every token string the fake has issued, to scan the database and logs for plaintext. */
  issuedSecrets(): string[] {
    return [...this.accessTokens.keys(), ...this.refreshTokens.keys(), ...this.retiredSecrets];
  }

  countRequests(predicate: (request: RecordedRequest) => boolean): number {
    return this.requests.filter(predicate).length;
  }

  resetRequests(): void {
    this.requests.length = 0;
  }

  // ---- model ----------------------------------------------------------------

  private calendarOf(email: string, calendarId: string): FakeCalendar {
    const account = this.accounts.get(email);
    const calendar = account?.calendars.get(calendarId === "primary" ? email : calendarId);
    if (!calendar) throw new Error(`no calendar ${calendarId} for ${email}`);
    return calendar;
  }

  private store(calendar: FakeCalendar, resource: Record<string, unknown> & { id: string; status: string }): void {
    const seq = this.seq++;
    queueMicrotask(() => void this.push.changed(this.calendarKeyOf(calendar)));
    calendar.events.set(resource.id, {
      seq,
      resource: {
        kind: "calendar#event",
        ...resource,
        etag: `"${seq}"`,
        updated: new Date().toISOString(),
      } as EventResource,
    });
  }

  private calendarKeyOf(calendar: FakeCalendar): string {
    const owner = [...this.accounts.values()].find((account) => account.calendars.get(calendar.id) === calendar);
    return `${owner?.email ?? ""} ${calendar.id}`;
  }

  /** Occurrences of a series, with its exceptions (moved or cancelled) applied by the caller. */
  private instancesOf(series: EventResource): EventResource[] {
    const rule = series.recurrence?.find((r) => r.startsWith("RRULE:"));
    if (!rule || !series.start?.dateTime || !series.end?.dateTime) return [];
    const parts = Object.fromEntries(
      rule
        .slice(6)
        .split(";")
        .map((p) => p.split("=") as [string, string]),
    );
    const stepDays = (parts.FREQ === "WEEKLY" ? 7 : 1) * Number(parts.INTERVAL ?? 1);
    const count = parts.COUNT ? Number(parts.COUNT) : 1000;
    const until = parts.UNTIL
      ? Date.parse(parts.UNTIL.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, "$1-$2-$3T$4:$5:$6Z"))
      : Infinity;
    const start = Date.parse(series.start.dateTime);
    const duration = Date.parse(series.end.dateTime) - start;
    const instances: EventResource[] = [];
    for (let i = 0; i < count; i++) {
      const at = start + i * stepDays * 86_400_000;
      if (at > until) break;
      const startIso = new Date(at).toISOString();
      const { recurrence: _recurrence, ...rest } = series;
      instances.push({
        ...rest,
        id: `${series.id}_${compactUtc(startIso)}`,
        recurringEventId: series.id,
        originalStartTime: { dateTime: startIso, timeZone: series.start.timeZone },
        start: { dateTime: startIso, timeZone: series.start.timeZone },
        end: { dateTime: new Date(at + duration).toISOString(), timeZone: series.end.timeZone },
      });
    }
    return instances;
  }

  /** What singleEvents=true shows of one stored event: itself, or its occurrences with exceptions applied. */
  private expand(calendar: FakeCalendar, stored: EventResource): EventResource[] {
    if (!stored.recurrence) return [stored];
    return this.instancesOf(stored).map((instance) => {
      const exception = calendar.events.get(instance.id)?.resource;
      if (stored.status === "cancelled") return { ...instance, status: "cancelled" };
      return exception ?? instance;
    });
  }

  private fullListing(calendar: FakeCalendar, timeMin: number, timeMax: number): EventResource[] {
    const items: EventResource[] = [];
    for (const { resource } of calendar.events.values()) {
      if (resource.recurringEventId || resource.status === "cancelled") continue;
      for (const event of this.expand(calendar, resource)) {
        if (event.status === "cancelled") continue;
        const start = Date.parse(event.start?.dateTime ?? `${event.start?.date}T00:00:00Z`);
        const end = Date.parse(event.end?.dateTime ?? `${event.end?.date}T00:00:00Z`);
        if (start < timeMax && end > timeMin) items.push(event);
      }
    }
    return items;
  }

  private changesSince(calendar: FakeCalendar, since: number): EventResource[] {
    const changed = new Map<string, EventResource>();
    for (const { resource, seq } of calendar.events.values()) {
      if (seq <= since) continue;
      const source = resource.recurringEventId ? [resource] : this.expand(calendar, resource);
      for (const event of source) {
        changed.set(
          event.id,
          event.status === "cancelled"
            ? ({
                kind: "calendar#event",
                id: event.id,
                status: "cancelled",
                ...(event.recurringEventId
                  ? { recurringEventId: event.recurringEventId, originalStartTime: event.originalStartTime }
                  : {}),
              } as EventResource)
            : event,
        );
      }
    }
    return [...changed.values()];
  }

  private syncTokenFor(calendar: FakeCalendar): string {
    return Buffer.from(JSON.stringify({ c: calendar.id, s: this.seq - 1 })).toString("base64url");
  }

  // ---- HTTP -----------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    const query = Object.fromEntries(url.searchParams);
    const record: RecordedRequest = { method: req.method ?? "GET", path: url.pathname, query, at: Date.now() };
    this.requests.push(record);
    const body = await readBody(req);
    if (url.pathname === "/token") record.grantType = new URLSearchParams(body).get("grant_type") ?? undefined;
    const send: Send = (status, payload, headers = {}) => {
      record.status = status;
      res.writeHead(status, { "content-type": "application/json; charset=UTF-8", ...headers });
      res.end(payload === undefined ? "" : JSON.stringify(payload));
    };

    if (url.pathname === "/o/oauth2/v2/auth" && req.method === "GET") return this.authorize(query, res, send);
    if (url.pathname === "/token" && req.method === "POST") return this.token(new URLSearchParams(body), send);
    if (url.pathname === "/revoke" && req.method === "POST") {
      const token = query.token ?? new URLSearchParams(body).get("token") ?? "";
      const owner = this.refreshTokens.get(token) ?? this.accessTokens.get(token)?.email;
      if (!owner) return send(400, { error: "invalid_token", error_description: "Token expired or revoked" });
      this.revokeGrant(owner);
      return send(200, {});
    }
    if (!url.pathname.startsWith("/calendar/v3/")) return send(404, googleError(404, "notFound", "Not Found"));

    const failure = this.apiFailures.shift();
    if (failure) {
      const headers: Record<string, string> =
        failure.retryAfterSeconds !== undefined ? { "retry-after": String(failure.retryAfterSeconds) } : {};
      const reason = failure.reason ?? (failure.status === 429 ? "rateLimitExceeded" : "backendError");
      return send(failure.status, googleError(failure.status, reason, "injected failure"), headers);
    }

    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const grant = bearer ? this.accessTokens.get(bearer) : undefined;
    if (!grant || grant.expiresAt <= Date.now()) {
      return send(401, {
        error: {
          errors: [
            {
              domain: "global",
              reason: "authError",
              message: "Invalid Credentials",
              locationType: "header",
              location: "Authorization",
            },
          ],
          code: 401,
          message: "Request had invalid authentication credentials.",
          status: "UNAUTHENTICATED",
        },
      });
    }
    const account = this.accounts.get(grant.email);
    if (!account) return send(401, googleError(401, "authError", "Invalid Credentials"));
    const inFlight = (this.inFlight.get(account.email) ?? 0) + 1;
    this.inFlight.set(account.email, inFlight);
    this.maxConcurrentApiRequests = Math.max(this.maxConcurrentApiRequests, inFlight);
    try {
      if (this.apiDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.apiDelayMs));
      await this.serveApi(account, url, req.method ?? "GET", query, body, res, send);
    } finally {
      this.inFlight.set(account.email, (this.inFlight.get(account.email) ?? 1) - 1);
    }
  }

  private async serveApi(
    account: FakeAccount,
    url: URL,
    method: string,
    query: Record<string, string>,
    body: string,
    res: ServerResponse,
    send: Send,
  ): Promise<void> {
    const path = url.pathname.slice("/calendar/v3".length);

    if (path === "/users/me/calendarList" && method === "GET") {
      return send(200, {
        kind: "calendar#calendarList",
        etag: `"${this.seq}"`,
        items: [...account.calendars.values()].map((c) => ({
          kind: "calendar#calendarListEntry",
          id: c.id,
          summary: c.summary,
          timeZone: c.timeZone,
          accessRole: c.accessRole,
          ...(c.primary ? { primary: true } : {}),
        })),
      });
    }

    if (path === "/channels/stop" && method === "POST") {
      return this.push.stop(body, send, () => {
        res.writeHead(204);
        res.end();
      });
    }
    const watch = /^\/calendars\/([^/]+)\/events\/watch$/.exec(path);
    if (watch?.[1] && method === "POST") {
      const id = decodeURIComponent(watch[1]);
      const calendar = account.calendars.get(id === "primary" ? account.email : id);
      if (!calendar) return send(404, googleError(404, "notFound", "Not Found"));
      return this.push.watch(this.calendarKeyOf(calendar), calendar.id, body, send);
    }
    const match = /^\/calendars\/([^/]+)\/events(?:\/([^/]+))?$/.exec(path);
    const calendarId = match?.[1] ? decodeURIComponent(match[1]) : undefined;
    const calendar = calendarId
      ? account.calendars.get(calendarId === "primary" ? account.email : calendarId)
      : undefined;
    if (!match || !calendar) return send(404, googleError(404, "notFound", "Not Found"));
    const eventId = match[2] ? decodeURIComponent(match[2]) : undefined;

    if (!eventId && method === "GET") return this.listEvents(calendar, query, send);
    if (calendar.accessRole === "reader" && method !== "GET") {
      return send(403, googleError(403, "requiredAccessLevel", "You need to have writer access to this calendar."));
    }
    if (!eventId && method === "POST") {
      if (this.insertHangs.count > 0) {
        this.insertHangs.count -= 1;
        await new Promise((resolve) => setTimeout(resolve, this.insertHangs.ms));
      }
      const input = JSON.parse(body || "{}") as FakeEventInput & { id?: string };
      if (input.id && !/^[a-v0-9]{5,1024}$/.test(input.id))
        return send(400, googleError(400, "invalid", "Invalid resource id value."));
      if (input.id && calendar.events.has(input.id))
        return send(409, googleError(409, "duplicate", "The requested identifier already exists."));
      const id = input.id ?? `ev${randomBytes(8).toString("hex")}`;
      this.store(calendar, { ...input, id, status: input.status ?? "confirmed" });
      this.writes.push({ method, eventId: id });
      await this.beforeWriteAnswer?.({ method, eventId: id });
      return send(200, calendar.events.get(id)?.resource);
    }
    const existing = eventId ? calendar.events.get(eventId) : undefined;
    if (!existing) return send(404, googleError(404, "notFound", "Not Found"));
    if (method === "GET") return send(200, existing.resource);
    // Conditional modification: If-Match with a stale etag changes nothing and answers 412.
    const ifMatch = ifMatchOf(res);
    if (ifMatch && method !== "GET" && ifMatch !== existing.resource.etag) {
      return send(412, googleError(412, "conditionNotMet", "Precondition Failed"));
    }
    if (method === "PUT") {
      this.store(calendar, { ...(JSON.parse(body || "{}") as object), id: existing.resource.id, status: "confirmed" });
      return send(200, calendar.events.get(existing.resource.id)?.resource);
    }
    if (method === "PATCH") {
      // Patch semantics: only the fields sent change; extendedProperties maps merge key by key.
      const patch = JSON.parse(body || "{}") as Record<string, unknown> & {
        extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
      };
      const current = existing.resource as EventResource & {
        extendedProperties?: { private?: Record<string, string>; shared?: Record<string, string> };
      };
      const extendedProperties = patch.extendedProperties
        ? {
            private: { ...current.extendedProperties?.private, ...patch.extendedProperties.private },
            shared: { ...current.extendedProperties?.shared, ...patch.extendedProperties.shared },
          }
        : current.extendedProperties;
      this.store(calendar, {
        ...current,
        ...patch,
        ...(extendedProperties ? { extendedProperties } : {}),
        id: current.id,
        status: (patch.status as string | undefined) ?? current.status,
      });
      this.writes.push({ method, eventId: current.id });
      await this.beforeWriteAnswer?.({ method, eventId: current.id });
      return send(200, calendar.events.get(current.id)?.resource);
    }
    if (method === "DELETE") {
      if (existing.resource.status === "cancelled")
        return send(410, googleError(410, "deleted", "Resource has been deleted"));
      this.store(calendar, { ...existing.resource, status: "cancelled" });
      this.writes.push({ method, eventId: existing.resource.id });
      await this.beforeWriteAnswer?.({ method, eventId: existing.resource.id });
      res.writeHead(204);
      res.end();
      return;
    }
    return send(405, googleError(405, "methodNotAllowed", "Method not allowed"));
  }

  private listEvents(calendar: FakeCalendar, query: Record<string, string>, send: Send): void {
    if (query.singleEvents !== "true")
      return send(400, googleError(400, "invalid", "this fake only serves singleEvents=true"));
    const maxResults = Math.min(Number(query.maxResults ?? 250), 2500);
    if (query.pageToken) {
      const page = this.pages.get(query.pageToken);
      if (!page) return send(400, googleError(400, "invalid", "Invalid page token"));
      this.pages.delete(query.pageToken);
      return this.sendPage(page.items, maxResults, page.nextSyncToken, send);
    }
    let items: EventResource[];
    if (query.syncToken) {
      if (query.timeMin || query.timeMax || query.orderBy || query.updatedMin || query.q) {
        return send(
          400,
          googleError(400, "invalid", "Sync token cannot be used with timeMin, timeMax, orderBy, updatedMin or q."),
        );
      }
      let token: { c?: string; s?: number };
      try {
        token = JSON.parse(Buffer.from(query.syncToken, "base64url").toString("utf8")) as { c?: string; s?: number };
      } catch {
        return send(400, googleError(400, "invalid", "Invalid sync token value."));
      }
      if (token.c !== calendar.id || typeof token.s !== "number")
        return send(400, googleError(400, "invalid", "Invalid sync token value."));
      if (token.s < calendar.minValidSeq) {
        return send(
          410,
          googleError(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required."),
        );
      }
      items = this.changesSince(calendar, token.s);
    } else {
      const timeMin = query.timeMin ? Date.parse(query.timeMin) : -Infinity;
      const timeMax = query.timeMax ? Date.parse(query.timeMax) : Infinity;
      items = this.fullListing(calendar, timeMin, timeMax);
    }
    this.sendPage(items, maxResults, this.syncTokenFor(calendar), send);
  }

  private sendPage(items: EventResource[], maxResults: number, nextSyncToken: string, send: Send): void {
    const page = items.slice(0, maxResults);
    const rest = items.slice(maxResults);
    const payload: Record<string, unknown> = {
      kind: "calendar#events",
      etag: `"${this.seq}"`,
      summary: "calendar",
      updated: new Date().toISOString(),
      timeZone: "America/Chicago",
      accessRole: "owner",
      items: page,
    };
    if (rest.length > 0) {
      const pageToken = randomBytes(12).toString("base64url");
      this.pages.set(pageToken, { items: rest, nextSyncToken });
      payload.nextPageToken = pageToken;
    } else {
      payload.nextSyncToken = nextSyncToken;
    }
    send(200, payload);
  }

  private authorize(query: Record<string, string>, res: ServerResponse, send: Send): void {
    this.lastAuthorizationRequest = query;
    const email = this.loggedIn;
    if (query.client_id !== CLIENT_ID) return send(400, { error: "invalid_client" });
    if (query.response_type !== "code" || !query.redirect_uri || !query.scope)
      return send(400, { error: "invalid_request" });
    if (query.code_challenge_method !== "S256" || !query.code_challenge)
      return send(400, { error: "invalid_request", error_description: "PKCE S256 required" });
    if (!email) return send(400, { error: "access_denied" });
    const code = `4/${randomBytes(16).toString("base64url")}`;
    this.codes.set(code, {
      email,
      clientId: query.client_id,
      redirectUri: query.redirect_uri,
      codeChallenge: query.code_challenge,
      scope: query.scope,
    });
    const target = new URL(query.redirect_uri);
    target.searchParams.set("code", code);
    if (query.state) target.searchParams.set("state", query.state);
    target.searchParams.set("scope", query.scope);
    res.writeHead(302, { location: target.toString() });
    res.end();
  }

  private token(form: URLSearchParams, send: Send): void {
    const failure = this.tokenFailures.shift();
    if (failure) {
      const headers: Record<string, string> =
        failure.retryAfterSeconds !== undefined ? { "retry-after": String(failure.retryAfterSeconds) } : {};
      return send(failure.status, { error: "temporarily_unavailable" }, headers);
    }
    if (form.get("client_id") !== CLIENT_ID || form.get("client_secret") !== CLIENT_SECRET) {
      return send(401, { error: "invalid_client", error_description: "The OAuth client was not found." });
    }
    const grantType = form.get("grant_type");
    if (grantType === "authorization_code") {
      const code = this.codes.get(form.get("code") ?? "");
      this.codes.delete(form.get("code") ?? "");
      if (!code) return send(400, { error: "invalid_grant", error_description: "Malformed auth code." });
      if (code.redirectUri !== form.get("redirect_uri"))
        return send(400, { error: "redirect_uri_mismatch", error_description: "Bad Request" });
      const verifier = form.get("code_verifier") ?? "";
      if (createHash("sha256").update(verifier).digest("base64url") !== code.codeChallenge) {
        return send(400, { error: "invalid_grant", error_description: "Invalid code verifier." });
      }
      const refreshToken = `1//${randomBytes(24).toString("base64url")}`;
      this.refreshTokens.set(refreshToken, code.email);
      const lifetime = this.exchangedTokenLifetimeSeconds ?? this.accessTokenLifetimeSeconds;
      return send(200, {
        ...this.issueAccessToken(code.email, lifetime),
        refresh_token: refreshToken,
        scope: code.scope,
      });
    }
    if (grantType === "refresh_token") {
      const presented = form.get("refresh_token") ?? "";
      const email = this.refreshTokens.get(presented);
      if (!email) return send(400, { error: "invalid_grant", error_description: "Token has been expired or revoked." });
      const answer: Record<string, unknown> = {
        ...this.issueAccessToken(email, this.accessTokenLifetimeSeconds),
        scope: "https://www.googleapis.com/auth/calendar.events",
      };
      if (this.rotateRefreshTokens) {
        this.refreshTokens.delete(presented);
        this.retiredSecrets.push(presented);
        const rotated = `1//${randomBytes(24).toString("base64url")}`;
        this.refreshTokens.set(rotated, email);
        answer.refresh_token = rotated;
      }
      return send(200, answer);
    }
    return send(400, { error: "unsupported_grant_type" });
  }

  private issueAccessToken(
    email: string,
    lifetimeSeconds: number,
  ): { access_token: string; expires_in: number; token_type: string } {
    const token = `ya29.${randomBytes(24).toString("base64url")}`;
    this.accessTokens.set(token, { email, expiresAt: Date.now() + lifetimeSeconds * 1000 });
    return { access_token: token, expires_in: lifetimeSeconds, token_type: "Bearer" };
  }
}

/** The request's If-Match header (the response object carries its request). */
function ifMatchOf(res: ServerResponse): string | undefined {
  const value = res.req.headers["if-match"];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
