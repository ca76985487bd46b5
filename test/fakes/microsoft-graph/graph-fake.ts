import { GraphSubscriptions } from "./graph-subscriptions.js";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { DateTime } from "luxon";

/**
 * A Microsoft identity platform + Graph v1.0 fake over TLS, speaking the wire
 * format the real services use: form-encoded token requests with PKCE, AAD
 * error bodies ({ error, error_description, error_codes }), Graph error bodies
 * ({ error: { code, message } }), calendarView/delta rounds paged by
 * `Prefer: odata.maxpagesize` with https @odata.nextLink/@odata.deltaLink, and
 * `@removed` items. One mailbox per fake.
 */

export type ShowAs = "free" | "tentative" | "busy" | "oof" | "workingElsewhere" | "unknown";
export type GraphResponse = "none" | "organizer" | "tentativelyAccepted" | "accepted" | "declined" | "notResponded";

export interface FakeEventInput {
  id?: string;
  subject: string;
  start: Date;
  end: Date;
  /** All-day: start/end must be UTC midnights. */
  isAllDay?: boolean;
  showAs?: ShowAs;
  isCancelled?: boolean;
  response?: GraphResponse;
  type?: "singleInstance" | "occurrence" | "exception";
  seriesMasterId?: string;
}

interface FakeEvent extends Required<Omit<FakeEventInput, "seriesMasterId">> {
  calendarId: string;
  seriesMasterId: string | null;
  transactionId: string | null;
  /** singleValueExtendedProperties by property id (compared case-insensitively, as Graph does). */
  extendedProperties: Record<string, string>;
  bodyContent: string;
  location: string;
  changeKey: string;
  seq: number;
  createdAt: Date;
  modifiedAt: Date;
}

interface FakeCalendar {
  id: string;
  name: string;
  isDefaultCalendar: boolean;
  canEdit: boolean;
}

interface IssuedCode {
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  scope: string;
}

interface DeltaState {
  /** calendar id */
  c: string;
  /** window start/end ISO */
  s: string;
  e: string;
  /** changes after this sequence number belong to the round (-1: the initial round, everything) */
  b: number;
  /** sequence number the round started at */
  q: number;
  /** page offset (skip tokens only) */
  o?: number;
  /** token generation: bumping it expires every older token */
  g: number;
}

export interface GraphFakeOptions {
  tlsDir: string;
  clientId?: string;
  clientSecret?: string;
  email?: string;
  /** Largest page the fake serves whatever the client prefers (forces paging in tests). */
  maxPageSize?: number;
  accessTokenLifetimeSeconds?: number;
}

export class GraphFake {
  /** Change-notification subscriptions and their notifications. */
  readonly subscriptions = new GraphSubscriptions();
  readonly clientId: string;
  readonly clientSecret: string;
  readonly email: string;
  maxPageSize: number;
  accessTokenLifetimeSeconds: number;
  /** Every request as "METHOD /path" (query included), for asserting what a client did. */
  readonly requests: string[] = [];
  readonly tokenRequests: Record<string, string>[] = [];
  /** Every access and refresh token handed out, to prove none is stored in plaintext. */
  readonly issuedTokens: string[] = [];
  /** How many requests were answered 429. */
  throttled = 0;

  private server!: Server;
  private port = 0;
  private seq = 0;
  private generation = 1;
  private calendars: FakeCalendar[] = [];
  private events = new Map<string, FakeEvent>();
  private tombstones = new Map<string, { calendarId: string; seq: number }>();
  private codes = new Map<string, IssuedCode>();
  private accessTokens = new Map<string, number>();
  private refreshTokens = new Set<string>();
  private throttle: { remaining: number; retryAfterSeconds: number } = { remaining: 0, retryAfterSeconds: 0 };

  constructor(private readonly options: GraphFakeOptions) {
    this.clientId = options.clientId ?? "fake-ms-client-id";
    this.clientSecret = options.clientSecret ?? "fake-ms-client-secret";
    this.email = options.email ?? "owner@contoso.example";
    this.maxPageSize = options.maxPageSize ?? 50;
    this.accessTokenLifetimeSeconds = options.accessTokenLifetimeSeconds ?? 3600;
    this.calendars.push({ id: "AAMkAGI2-cal-default=", name: "Calendar", isDefaultCalendar: true, canEdit: true });
  }

  async start(): Promise<this> {
    this.server = createServer(
      {
        key: readFileSync(join(this.options.tlsDir, "server.key")),
        cert: readFileSync(join(this.options.tlsDir, "server.pem")),
      },
      (req, res) => {
        this.handle(req, res).catch((error: unknown) => {
          send(res, 500, { error: { code: "InternalServerError", message: String(error) } });
        });
      },
    );
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** https://localhost:PORT, what MICROSOFT_GRAPH_BASE_URL points at. */
  get baseUrl(): string {
    return `https://localhost:${this.port}`;
  }

  /** What MICROSOFT_OAUTH_BASE_URL points at (the tenant segment included, like /common). */
  get oauthBaseUrl(): string {
    return `${this.baseUrl}/common`;
  }

  get defaultCalendarId(): string {
    return this.calendars[0]!.id;
  }

  addCalendar(calendar: FakeCalendar): void {
    this.calendars.push(calendar);
  }

  /** Mints an access token directly, for adapter-level tests that skip the OAuth dance. */
  issueAccessToken(): string {
    const token = `ms-at-${randomBytes(16).toString("hex")}`;
    this.accessTokens.set(token, Date.now() + this.accessTokenLifetimeSeconds * 1000);
    this.issuedTokens.push(token);
    return token;
  }

  expireAccessTokens(): void {
    this.accessTokens.clear();
  }

  /** The user revoked the app: every refresh answers invalid_grant. */
  revokeRefreshTokens(): void {
    this.refreshTokens.clear();
  }

  /** Expires every delta/skip token handed out so far (the server dropped its sync state). */
  expireDeltaTokens(): void {
    this.generation += 1;
  }

  /** The next `requests` Graph calls answer 429 with Retry-After. */
  throttleNext(requests: number, retryAfterSeconds: number): void {
    this.throttle = { remaining: requests, retryAfterSeconds };
  }

  putEvent(calendarId: string, input: FakeEventInput): string {
    const id = input.id ?? `AAMkAGI2-ev-${randomUUID()}=`;
    const previous = this.events.get(id);
    const now = new Date();
    this.seq += 1;
    this.tombstones.delete(id);
    this.events.set(id, {
      id,
      calendarId,
      subject: input.subject,
      start: input.start,
      end: input.end,
      isAllDay: input.isAllDay ?? false,
      showAs: input.showAs ?? "busy",
      isCancelled: input.isCancelled ?? false,
      response: input.response ?? "organizer",
      type: input.type ?? "singleInstance",
      seriesMasterId: input.seriesMasterId ?? null,
      transactionId: previous?.transactionId ?? null,
      extendedProperties: previous?.extendedProperties ?? {},
      bodyContent: previous?.bodyContent ?? "",
      location: previous?.location ?? "",
      changeKey: randomBytes(9).toString("base64"),
      seq: this.seq,
      createdAt: previous?.createdAt ?? now,
      modifiedAt: now,
    });
    return id;
  }

  updateEvent(id: string, patch: Partial<FakeEventInput>): void {
    const current = this.mustGet(id);
    this.putEvent(current.calendarId, {
      ...current,
      seriesMasterId: current.seriesMasterId ?? undefined,
      ...patch,
      id,
    });
  }

  deleteEvent(id: string): void {
    const current = this.mustGet(id);
    this.events.delete(id);
    this.seq += 1;
    this.tombstones.set(id, { calendarId: current.calendarId, seq: this.seq });
  }

  getEvent(id: string): FakeEvent | undefined {
    return this.events.get(id);
  }

  eventsOf(calendarId: string): FakeEvent[] {
    return [...this.events.values()].filter((event) => event.calendarId === calendarId);
  }

  private mustGet(id: string): FakeEvent {
    const event = this.events.get(id);
    if (!event) throw new Error(`no fake event ${id}`);
    return event;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.baseUrl);
    this.requests.push(`${req.method} ${url.pathname}${url.search}`);
    const body = await readBody(req);

    if (url.pathname === "/common/oauth2/v2.0/authorize" && req.method === "GET") return this.authorize(url, res);
    if (url.pathname === "/common/oauth2/v2.0/token" && req.method === "POST") return this.token(body, req, res);
    if (!url.pathname.startsWith("/v1.0/")) return graphError(res, 404, "BadRequest", "Invalid version.");

    if (this.throttle.remaining > 0) {
      this.throttle.remaining -= 1;
      this.throttled += 1;
      res.setHeader("Retry-After", String(this.throttle.retryAfterSeconds));
      return graphError(res, 429, "TooManyRequests", "Application is over its MailboxConcurrency limit.");
    }
    const auth = req.headers.authorization ?? "";
    const expiresAt = this.accessTokens.get(auth.replace(/^Bearer /, ""));
    if (!auth.startsWith("Bearer ") || expiresAt === undefined || expiresAt < Date.now()) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="", error="invalid_token"');
      return graphError(res, 401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.");
    }
    return this.graph(req.method ?? "GET", url, body, req, res);
  }

  private authorize(url: URL, res: ServerResponse): void {
    const q = url.searchParams;
    const redirectUri = q.get("redirect_uri") ?? "";
    const problems = [
      q.get("client_id") !== this.clientId && "unknown client_id",
      q.get("response_type") !== "code" && "response_type must be code",
      q.get("code_challenge_method") !== "S256" && "code_challenge_method must be S256",
      !q.get("code_challenge") && "code_challenge missing",
      !q.get("state") && "state missing",
      !/\boffline_access\b/.test(q.get("scope") ?? "") && "offline_access missing",
      !redirectUri && "redirect_uri missing",
    ].filter(Boolean);
    if (problems.length > 0) {
      return send(res, 400, { error: "invalid_request", error_description: `AADSTS900144: ${problems.join(", ")}` });
    }
    const code = `M.C5${randomBytes(24).toString("base64url")}`;
    this.codes.set(code, {
      clientId: this.clientId,
      redirectUri,
      codeChallenge: q.get("code_challenge")!,
      scope: q.get("scope")!,
    });
    const target = new URL(redirectUri);
    target.searchParams.set("code", code);
    target.searchParams.set("state", q.get("state")!);
    res.writeHead(302, { Location: target.toString() });
    res.end();
  }

  private token(raw: string, req: IncomingMessage, res: ServerResponse): void {
    if (!(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) {
      return aadError(
        res,
        400,
        "invalid_request",
        900144,
        "The request body must contain the following parameter: 'grant_type'.",
      );
    }
    const form = Object.fromEntries(new URLSearchParams(raw));
    this.tokenRequests.push(form);
    if (form.client_id !== this.clientId || form.client_secret !== this.clientSecret) {
      return aadError(res, 401, "invalid_client", 7000215, "Invalid client secret provided.");
    }
    if (form.grant_type === "authorization_code") {
      const issued = this.codes.get(form.code ?? "");
      this.codes.delete(form.code ?? "");
      if (!issued)
        return aadError(
          res,
          400,
          "invalid_grant",
          70008,
          "The provided authorization code or refresh token has expired or was already redeemed.",
        );
      if (issued.redirectUri !== form.redirect_uri) {
        return aadError(
          res,
          400,
          "invalid_grant",
          50148,
          "The redirect URI does not match the one used in the authorization request.",
        );
      }
      const challenge = createHash("sha256")
        .update(form.code_verifier ?? "")
        .digest("base64url");
      if (challenge !== issued.codeChallenge) {
        return aadError(
          res,
          400,
          "invalid_grant",
          501481,
          "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        );
      }
      return this.tokens(res, issued.scope);
    }
    if (form.grant_type === "refresh_token") {
      if (!this.refreshTokens.has(form.refresh_token ?? "")) {
        return aadError(
          res,
          400,
          "invalid_grant",
          70000,
          "The provided grant is invalid or malformed, or the user revoked access.",
        );
      }
      this.refreshTokens.delete(form.refresh_token!);
      return this.tokens(res, form.scope ?? "");
    }
    return aadError(res, 400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
  }

  private tokens(res: ServerResponse, scope: string): void {
    const refreshToken = `M.R3${randomBytes(24).toString("base64url")}`;
    this.refreshTokens.add(refreshToken);
    this.issuedTokens.push(refreshToken);
    send(res, 200, {
      token_type: "Bearer",
      scope: scope
        .split(" ")
        .filter((s) => s !== "offline_access")
        .join(" "),
      expires_in: this.accessTokenLifetimeSeconds,
      ext_expires_in: this.accessTokenLifetimeSeconds,
      access_token: this.issueAccessToken(),
      refresh_token: refreshToken,
    });
  }

  private graph(method: string, url: URL, raw: string, req: IncomingMessage, res: ServerResponse): void {
    const path = url.pathname.slice("/v1.0".length);
    if (method === "GET" && path === "/me") {
      return send(res, 200, {
        "@odata.context": `${this.baseUrl}/v1.0/$metadata#users/$entity`,
        id: "48d31887-5fad-4d73-a9f5-3c356e68a038",
        displayName: "Owner",
        mail: this.email,
        userPrincipalName: this.email,
      });
    }
    if (method === "GET" && path === "/me/calendars") {
      return send(res, 200, {
        "@odata.context": `${this.baseUrl}/v1.0/$metadata#users('me')/calendars`,
        value: this.calendars.map((c) => ({
          id: c.id,
          name: c.name,
          isDefaultCalendar: c.isDefaultCalendar,
          canEdit: c.canEdit,
          owner: { name: "Owner", address: this.email },
        })),
      });
    }
    if (path === "/subscriptions" || path.startsWith("/subscriptions/")) {
      void this.subscriptions.handle(method, path, raw, res);
      return;
    }
    const delta = /^\/me\/calendars\/([^/]+)\/calendarView\/delta$/.exec(path);
    if (method === "GET" && delta) return this.delta(decodeURIComponent(delta[1]!), url, req, res);

    const create = /^\/me\/calendars\/([^/]+)\/events$/.exec(path);
    if (method === "POST" && create) return this.create(decodeURIComponent(create[1]!), raw, res);

    const single = /^\/me\/events\/([^/]+)$/.exec(path);
    if (single) {
      const id = decodeURIComponent(single[1]!);
      const event = this.events.get(id);
      if (!event) return graphError(res, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
      if (method === "GET") return send(res, 200, this.wire(event, expandedProperty(url)));
      const ifMatch = req.headers["if-match"];
      if (ifMatch && method !== "GET" && ifMatch !== `W/"${event.changeKey}"`) {
        return graphError(
          res,
          412,
          "ErrorIrresolvableConflict",
          "The change key passed in the request does not match the current change key for the item.",
        );
      }
      if (method === "PATCH") {
        const patch = JSON.parse(raw) as GraphWriteBody;
        keepExtendedProperties(event, patch);
        this.putEvent(event.calendarId, {
          ...event,
          seriesMasterId: event.seriesMasterId ?? undefined,
          ...fromWriteBody(patch, event),
        });
        const updated = this.events.get(id)!;
        updated.bodyContent = patch.body?.content ?? updated.bodyContent;
        updated.location = patch.location?.displayName ?? updated.location;
        return send(res, 200, this.wire(updated));
      }
      if (method === "DELETE") {
        this.deleteEvent(id);
        res.writeHead(204);
        res.end();
        return;
      }
    }
    return graphError(res, 400, "BadRequest", `Resource not found for the segment '${path}'.`);
  }

  private create(calendarId: string, raw: string, res: ServerResponse): void {
    if (!this.calendars.some((c) => c.id === calendarId)) {
      return graphError(res, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
    }
    const body = JSON.parse(raw) as GraphWriteBody;
    const existing = body.transactionId
      ? [...this.events.values()].find((e) => e.transactionId === body.transactionId)
      : undefined;
    if (existing) return send(res, 201, this.wire(existing));
    const id = this.putEvent(calendarId, { subject: "", start: new Date(0), end: new Date(0), ...fromWriteBody(body) });
    const event = this.events.get(id)!;
    event.transactionId = body.transactionId ?? null;
    keepExtendedProperties(event, body);
    event.bodyContent = body.body?.content ?? "";
    event.location = body.location?.displayName ?? "";
    return send(res, 201, this.wire(event));
  }

  private delta(calendarId: string, url: URL, req: IncomingMessage, res: ServerResponse): void {
    if (!this.calendars.some((c) => c.id === calendarId)) {
      return graphError(res, 404, "ErrorItemNotFound", "The specified object was not found in the store.");
    }
    let state: DeltaState;
    const skipToken = url.searchParams.get("$skiptoken");
    const deltaToken = url.searchParams.get("$deltatoken");
    if (skipToken || deltaToken) {
      const decoded = decodeToken(skipToken ?? deltaToken!);
      if (!decoded || decoded.c !== calendarId || decoded.g !== this.generation) {
        return graphError(
          res,
          410,
          "SyncStateNotFound",
          "The sync state generation is not found. The delta token is expired and data must be synchronized again.",
        );
      }
      state = skipToken ? decoded : { ...decoded, b: decoded.q, q: this.seq, o: 0 };
    } else {
      const start = url.searchParams.get("startDateTime") ?? url.searchParams.get("startdatetime");
      const end = url.searchParams.get("endDateTime") ?? url.searchParams.get("enddatetime");
      if (!start || !end || Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end))) {
        return graphError(
          res,
          400,
          "ErrorInvalidParameter",
          "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
        );
      }
      state = {
        c: calendarId,
        s: new Date(start).toISOString(),
        e: new Date(end).toISOString(),
        b: -1,
        q: this.seq,
        o: 0,
        g: this.generation,
      };
    }

    const windowStart = new Date(state.s).getTime();
    const windowEnd = new Date(state.e).getTime();
    const inWindow = (e: FakeEvent) => e.start.getTime() < windowEnd && e.end.getTime() > windowStart;
    const items: Record<string, unknown>[] = [];
    const changed = (seq: number) => seq > state.b && seq <= state.q;
    for (const event of [...this.events.values()].sort((a, b) => a.seq - b.seq)) {
      if (event.calendarId !== calendarId) continue;
      if (state.b === -1) {
        if (event.seq <= state.q && inWindow(event)) items.push(this.wire(event));
      } else if (changed(event.seq)) {
        items.push(inWindow(event) ? this.wire(event) : removed(event.id));
      }
    }
    if (state.b !== -1) {
      for (const [id, tomb] of this.tombstones) {
        if (tomb.calendarId === calendarId && changed(tomb.seq)) items.push(removed(id));
      }
    }

    const preferred = /odata\.maxpagesize=(\d+)/.exec(String(req.headers.prefer ?? ""));
    const pageSize = Math.min(preferred ? Number(preferred[1]) : this.maxPageSize, this.maxPageSize);
    const offset = state.o ?? 0;
    const page = items.slice(offset, offset + pageSize);
    const link = (param: string, token: DeltaState) =>
      `${this.baseUrl}/v1.0/me/calendars/${encodeURIComponent(calendarId)}/calendarView/delta?${param}=${encodeToken(token)}`;
    const more = offset + pageSize < items.length;
    res.setHeader("Preference-Applied", `odata.maxpagesize=${pageSize}`);
    send(res, 200, {
      "@odata.context": `${this.baseUrl}/v1.0/$metadata#Collection(event)`,
      ...(more
        ? { "@odata.nextLink": link("$skiptoken", { ...state, o: offset + pageSize }) }
        : {
            "@odata.deltaLink": link("$deltatoken", {
              c: calendarId,
              s: state.s,
              e: state.e,
              b: -1,
              q: state.q,
              g: state.g,
            }),
          }),
      value: page,
    });
  }

  private wire(event: FakeEvent, expandProperty?: string): Record<string, unknown> {
    const time = (d: Date) => ({ dateTime: `${d.toISOString().slice(0, 23)}0000`, timeZone: "UTC" });
    return {
      "@odata.type": "#microsoft.graph.event",
      "@odata.etag": `W/"${event.changeKey}"`,
      id: event.id,
      createdDateTime: event.createdAt.toISOString(),
      lastModifiedDateTime: event.modifiedAt.toISOString(),
      changeKey: event.changeKey,
      transactionId: event.transactionId,
      originalStartTimeZone: "UTC",
      originalEndTimeZone: "UTC",
      subject: event.subject,
      bodyPreview: event.bodyContent.slice(0, 255),
      isAllDay: event.isAllDay,
      isCancelled: event.isCancelled,
      isOrganizer: event.response === "organizer",
      showAs: event.showAs,
      type: event.type,
      seriesMasterId: event.seriesMasterId,
      responseStatus: { response: event.response, time: "0001-01-01T00:00:00Z" },
      start: time(event.start),
      end: time(event.end),
      location: { displayName: event.location },
      ...(expandProperty
        ? {
            singleValueExtendedProperties: Object.entries(event.extendedProperties)
              .filter(([id]) => id.toLowerCase() === expandProperty.toLowerCase())
              .map(([id, value]) => ({ id, value })),
          }
        : {}),
    };
  }
}

/** The property id of `$expand=singleValueExtendedProperties($filter=id eq '...')`, if asked. */
function expandedProperty(url: URL): string | undefined {
  const expand = url.searchParams.get("$expand") ?? "";
  return /^singleValueExtendedProperties\(\$filter=id eq '(.+)'\)$/.exec(expand)?.[1];
}

function keepExtendedProperties(event: FakeEvent, body: GraphWriteBody): void {
  for (const property of body.singleValueExtendedProperties ?? [])
    event.extendedProperties[property.id] = property.value;
}

interface GraphWriteBody {
  subject?: string;
  body?: { contentType?: string; content?: string };
  start?: { dateTime: string; timeZone: string };
  end?: { dateTime: string; timeZone: string };
  location?: { displayName?: string };
  showAs?: ShowAs;
  transactionId?: string;
  singleValueExtendedProperties?: { id: string; value: string }[];
}

function fromWriteBody(body: GraphWriteBody, current?: FakeEvent): Partial<FakeEventInput> {
  const instant = (t: { dateTime: string; timeZone: string }) => {
    const parsed = DateTime.fromISO(t.dateTime, { zone: t.timeZone });
    if (!parsed.isValid) throw new Error(`bad dateTime/timeZone ${t.dateTime} ${t.timeZone}`);
    return parsed.toJSDate();
  };
  return {
    subject: body.subject ?? current?.subject,
    start: body.start ? instant(body.start) : current?.start,
    end: body.end ? instant(body.end) : current?.end,
    showAs: body.showAs ?? current?.showAs,
  };
}

function removed(id: string): Record<string, unknown> {
  return { "@odata.type": "#microsoft.graph.event", id, "@removed": { reason: "deleted" } };
}

function encodeToken(state: DeltaState): string {
  return Buffer.from(JSON.stringify(state)).toString("base64url");
}

function decodeToken(token: string): DeltaState | undefined {
  try {
    return JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as DeltaState;
  } catch {
    return undefined;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "Content-Type": "application/json; odata.metadata=minimal; charset=utf-8" });
  res.end(JSON.stringify(body));
}

function graphError(res: ServerResponse, status: number, code: string, message: string): void {
  send(res, status, {
    error: {
      code,
      message,
      innerError: { date: new Date().toISOString(), "request-id": randomUUID(), "client-request-id": randomUUID() },
    },
  });
}

function aadError(res: ServerResponse, status: number, error: string, code: number, description: string): void {
  send(res, status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
  });
}

export async function startGraphFake(options: GraphFakeOptions): Promise<GraphFake> {
  return new GraphFake(options).start();
}
