import { APPOINTMENT_ID_PROPERTY_ID } from "../../src/providers/calendar/microsoft/graph-events.js";
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from "vitest";
import { ProviderError } from "../../src/providers/kit/provider-error.js";
import type { ChangeSet } from "../../src/providers/calendar/calendar-provider.js";
import type { ProviderCredentials } from "../../src/providers/kit/connector.js";
import { createMicrosoftProvider } from "../../src/providers/calendar/microsoft/microsoft-provider.js";
import { startGraphFake, type GraphFake } from "../fakes/microsoft-graph/graph-fake.js";
import { testConfig } from "../support/test-server.js";

const at = (iso: string) => new Date(iso);
const window = { start: at("2026-11-20T00:00:00Z"), end: at("2026-12-20T00:00:00Z") };
const REDIRECT_URI = "https://app.example.test/oauth/callback";

let fake: GraphFake;
let provider: ReturnType<typeof createMicrosoftProvider>;
let credentials: ProviderCredentials;

beforeAll(async () => {
  fake = await startGraphFake({ tlsDir: inject("testTlsDir") });
  provider = createMicrosoftProvider({
    ...testConfig({
      MICROSOFT_CLIENT_ID: fake.clientId,
      MICROSOFT_CLIENT_SECRET: fake.clientSecret,
      MICROSOFT_OAUTH_BASE_URL: fake.oauthBaseUrl,
      MICROSOFT_GRAPH_BASE_URL: fake.baseUrl,
    }).microsoft,
    requestTimeoutMs: 30_000,
  });
});

afterAll(() => fake.close());

beforeEach(() => {
  credentials = { kind: "oauth", accessToken: fake.issueAccessToken() };
  fake.maxPageSize = 50;
});

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

function changes(set: ChangeSet) {
  if (set.kind !== "changes") throw new Error(`expected changes, got ${set.kind}`);
  return set;
}

describe("Microsoft Graph adapter against the TLS Graph fake", () => {
  it("reads the account email and the calendars, default first", async () => {
    fake.addCalendar({
      id: "AAMkAGI2-cal-holidays=",
      name: "United States holidays",
      isDefaultCalendar: false,
      canEdit: false,
    });

    expect(await provider.getAccount(credentials)).toEqual({ email: fake.email });
    expect(await provider.listCalendars(credentials)).toEqual([
      { id: fake.defaultCalendarId, name: "Calendar", primary: true, writable: true },
      { id: "AAMkAGI2-cal-holidays=", name: "United States holidays", primary: false, writable: false },
    ]);
    // The bearer token crossed the wire: the fake answers 401 without it.
    expect(fake.requests.some((r) => r.startsWith("GET /v1.0/me/calendars"))).toBe(true);
  });

  it("lists every instance of the window across pages and maps what availability needs", async () => {
    const calendar = "AAMkAGI2-cal-listing=";
    fake.addCalendar({ id: calendar, name: "Listing", isDefaultCalendar: false, canEdit: true });
    fake.putEvent(calendar, {
      id: "busy",
      subject: "Job",
      start: at("2026-11-25T15:00:00Z"),
      end: at("2026-11-25T16:00:00Z"),
    });
    fake.putEvent(calendar, {
      id: "free",
      subject: "Focus",
      start: at("2026-11-26T09:00:00Z"),
      end: at("2026-11-26T10:00:00Z"),
      showAs: "free",
    });
    fake.putEvent(calendar, {
      id: "maybe",
      subject: "Maybe",
      start: at("2026-11-27T09:00:00Z"),
      end: at("2026-11-27T10:00:00Z"),
      showAs: "tentative",
      response: "tentativelyAccepted",
    });
    fake.putEvent(calendar, {
      id: "declined",
      subject: "No",
      start: at("2026-11-28T09:00:00Z"),
      end: at("2026-11-28T10:00:00Z"),
      response: "declined",
    });
    fake.putEvent(calendar, {
      id: "cancelled",
      subject: "Off",
      start: at("2026-11-29T09:00:00Z"),
      end: at("2026-11-29T10:00:00Z"),
      isCancelled: true,
    });
    fake.putEvent(calendar, {
      id: "holiday",
      subject: "Holiday",
      start: at("2026-12-01T00:00:00Z"),
      end: at("2026-12-03T00:00:00Z"),
      isAllDay: true,
    });
    fake.putEvent(calendar, {
      id: "outside",
      subject: "Later",
      start: at("2027-02-01T09:00:00Z"),
      end: at("2027-02-01T10:00:00Z"),
    });
    fake.maxPageSize = 2;
    const before = fake.requests.length;

    const listing = await provider.listEvents(credentials, calendar, window);

    const pages = fake.requests.slice(before);
    expect(pages).toHaveLength(3);
    expect(pages[0]).toMatch(
      /^GET \/v1\.0\/me\/calendars\/AAMkAGI2-cal-listing%3D\/calendarView\/delta\?startDateTime=2026-11-20T00/,
    );
    expect(pages[1]).toContain("$skiptoken=");
    expect(listing.nextSyncState).toMatch(/^https:\/\/localhost:\d+\/v1\.0\/.*calendarView\/delta\?\$deltatoken=/);
    const byId = new Map(listing.events.map((e) => [e.providerEventId, e]));
    expect([...byId.keys()].sort()).toEqual(["busy", "cancelled", "declined", "free", "holiday", "maybe"]);
    expect(byId.get("busy")).toMatchObject({
      start: at("2026-11-25T15:00:00Z"),
      end: at("2026-11-25T16:00:00Z"),
      allDay: false,
      status: "confirmed",
      transparent: false,
      responseStatus: "accepted",
      title: "Job",
    });
    expect(byId.get("busy")!.etag).toMatch(/^W\/"/);
    expect(byId.get("free")).toMatchObject({ transparent: true, status: "confirmed" });
    expect(byId.get("maybe")).toMatchObject({ status: "tentative", responseStatus: "tentative", transparent: false });
    expect(byId.get("declined")).toMatchObject({ responseStatus: "declined" });
    expect(byId.get("cancelled")).toMatchObject({ status: "cancelled" });
    expect(byId.get("holiday")).toMatchObject({
      allDay: true,
      startDate: "2026-12-01",
      endDate: "2026-12-03",
      start: at("2026-12-01T00:00:00Z"),
      end: at("2026-12-03T00:00:00Z"),
    });
  });

  it("replays the delta link: creations, moves, deletions and a recurring series with an exception and a cancelled instance", async () => {
    const calendar = "AAMkAGI2-cal-incremental=";
    fake.addCalendar({ id: calendar, name: "Incremental", isDefaultCalendar: false, canEdit: true });
    fake.putEvent(calendar, {
      id: "stays",
      subject: "Stays",
      start: at("2026-11-24T10:00:00Z"),
      end: at("2026-11-24T11:00:00Z"),
    });
    fake.putEvent(calendar, {
      id: "moves",
      subject: "Moves",
      start: at("2026-11-24T12:00:00Z"),
      end: at("2026-11-24T13:00:00Z"),
    });
    fake.putEvent(calendar, {
      id: "goes",
      subject: "Goes",
      start: at("2026-11-24T14:00:00Z"),
      end: at("2026-11-24T15:00:00Z"),
    });
    const full = await provider.listEvents(credentials, calendar, window);
    expect(full.events.map((e) => e.providerEventId).sort()).toEqual(["goes", "moves", "stays"]);

    fake.putEvent(calendar, {
      id: "new",
      subject: "New",
      start: at("2026-11-30T08:00:00Z"),
      end: at("2026-11-30T09:00:00Z"),
    });
    fake.updateEvent("moves", { start: at("2026-11-25T12:00:00Z"), end: at("2026-11-25T13:00:00Z") });
    fake.deleteEvent("goes");
    // A weekly series: three occurrences, the second moved (exception), the third cancelled.
    const series = { seriesMasterId: "weekly-master", subject: "Weekly" };
    fake.putEvent(calendar, {
      ...series,
      id: "weekly-1",
      type: "occurrence",
      start: at("2026-12-01T09:00:00Z"),
      end: at("2026-12-01T10:00:00Z"),
    });
    fake.putEvent(calendar, {
      ...series,
      id: "weekly-2",
      type: "exception",
      start: at("2026-12-08T11:00:00Z"),
      end: at("2026-12-08T12:00:00Z"),
    });
    fake.putEvent(calendar, {
      ...series,
      id: "weekly-3",
      type: "occurrence",
      isCancelled: true,
      start: at("2026-12-15T09:00:00Z"),
      end: at("2026-12-15T10:00:00Z"),
    });
    const before = fake.requests.length;

    const first = changes(await provider.listChanges(credentials, calendar, full.nextSyncState!, window));

    expect(fake.requests.slice(before)).toHaveLength(1);
    const upserts = new Map(first.upserts.map((e) => [e.providerEventId, e]));
    expect([...upserts.keys()].sort()).toEqual(["moves", "new", "weekly-1", "weekly-2", "weekly-3"]);
    expect(upserts.get("moves")).toMatchObject({ start: at("2026-11-25T12:00:00Z"), end: at("2026-11-25T13:00:00Z") });
    expect(upserts.get("weekly-2")).toMatchObject({ start: at("2026-12-08T11:00:00Z"), status: "confirmed" });
    expect(upserts.get("weekly-3")).toMatchObject({ status: "cancelled" });
    expect(first.deletions).toEqual(["goes"]);
    expect(first.nextSyncState).not.toBe(full.nextSyncState);

    // An instance moved out of the window leaves it: Graph reports it removed.
    fake.updateEvent("weekly-1", { start: at("2027-03-01T09:00:00Z"), end: at("2027-03-01T10:00:00Z") });
    const second = changes(await provider.listChanges(credentials, calendar, first.nextSyncState, window));
    expect(second.upserts).toEqual([]);
    expect(second.deletions).toEqual(["weekly-1"]);

    const quiet = changes(await provider.listChanges(credentials, calendar, second.nextSyncState, window));
    expect(quiet).toMatchObject({ upserts: [], deletions: [] });
  });

  it("answers full_sync_required when Graph no longer knows the delta token", async () => {
    const full = await provider.listEvents(credentials, fake.defaultCalendarId, window);
    fake.expireDeltaTokens();

    expect(await provider.listChanges(credentials, fake.defaultCalendarId, full.nextSyncState!, window)).toEqual({
      kind: "full_sync_required",
    });
    expect(await provider.listChanges(credentials, fake.defaultCalendarId, "not-a-delta-link", window)).toEqual({
      kind: "full_sync_required",
    });
    // A state naming another host is never replayed (the bearer token would go there).
    const elsewhere = full.nextSyncState!.replace(fake.baseUrl, "https://graph.attacker.example");
    const before = fake.requests.length;
    expect(await provider.listChanges(credentials, fake.defaultCalendarId, elsewhere, window)).toEqual({
      kind: "full_sync_required",
    });
    expect(fake.requests.length).toBe(before);
  });

  it("surfaces 429 as rate_limited with Retry-After in ms, without retrying on its own", async () => {
    fake.throttleNext(1, 7);
    const before = fake.requests.length;

    const error = await rejection(provider.listCalendars(credentials));

    expect(error).toMatchObject({ kind: "rate_limited", retryAfterMs: 7000, status: 429, retryable: true });
    expect(fake.requests.length - before).toBe(1);
    expect(await provider.listCalendars(credentials)).not.toHaveLength(0);
  });

  it("surfaces a rejected access token as unauthorized", async () => {
    fake.expireAccessTokens();
    const error = await rejection(provider.listEvents(credentials, fake.defaultCalendarId, window));
    expect(error).toMatchObject({ kind: "unauthorized", status: 401 });
    expect(error.message).not.toContain((credentials as { accessToken: string }).accessToken);
  });

  it("runs the PKCE authorization code flow, rotates refresh tokens and reports invalid_grant", async () => {
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const url = new URL(
      provider.authorizationUrl({ state: "state-123", codeChallenge: challenge, redirectUri: REDIRECT_URI }),
    );
    expect(`${url.origin}${url.pathname}`).toBe(`${fake.oauthBaseUrl}/oauth2/v2.0/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: fake.clientId,
      response_type: "code",
      redirect_uri: REDIRECT_URI,
      scope: "offline_access User.Read Calendars.ReadWrite",
      state: "state-123",
      code_challenge: challenge,
      code_challenge_method: "S256",
    });

    const consent = await fetch(url, { redirect: "manual" });
    const callback = new URL(consent.headers.get("location")!);
    expect(callback.searchParams.get("state")).toBe("state-123");
    const code = callback.searchParams.get("code")!;

    await expect(
      provider.exchangeCode({ code, codeVerifier: "wrong-verifier", redirectUri: REDIRECT_URI }),
    ).rejects.toMatchObject({
      kind: "invalid_grant",
    });
    const again = new URL((await fetch(url, { redirect: "manual" })).headers.get("location")!).searchParams.get(
      "code",
    )!;
    const tokens = await provider.exchangeCode({ code: again, codeVerifier: verifier, redirectUri: REDIRECT_URI });
    expect(tokens.accessToken).toMatch(/^ms-at-/);
    expect(tokens.refreshToken).toMatch(/^M\.R3/);
    expect(tokens.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3000_000);
    expect(await provider.getAccount({ kind: "oauth", accessToken: tokens.accessToken })).toEqual({
      email: fake.email,
    });
    const exchange = fake.tokenRequests.at(-1)!;
    expect(exchange).toMatchObject({
      grant_type: "authorization_code",
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
    });

    const refreshed = await provider.refresh(tokens.refreshToken!);
    expect(refreshed.refreshToken).toBeDefined();
    expect(refreshed.refreshToken).not.toBe(tokens.refreshToken);
    expect(fake.tokenRequests.at(-1)).toMatchObject({
      grant_type: "refresh_token",
      refresh_token: tokens.refreshToken,
    });

    fake.revokeRefreshTokens();
    const revoked = await rejection(provider.refresh(refreshed.refreshToken!));
    expect(revoked.kind).toBe("invalid_grant");
    expect(revoked.message).not.toContain(refreshed.refreshToken!);
    expect(await provider.revoke(tokens.accessToken)).toBe(false);
  });

  it("creates idempotently by transactionId, updates and deletes events", async () => {
    const calendar = fake.defaultCalendarId;
    const outgoing = {
      appointmentId: "6f1c7a52-30a4-4d53-9d0e-0a8f9d1e7b11",
      title: "Boiler repair",
      description: "Replace the boiler valve",
      location: "1 Main St",
      start: at("2026-12-02T15:00:00Z"),
      end: at("2026-12-02T16:30:00Z"),
      timeZone: "America/Chicago",
      customer: { name: "Pat Doe", phone: "+15551234567" },
    };

    const created = await provider.createEvent(credentials, calendar, outgoing);
    const retried = await provider.createEvent(credentials, calendar, outgoing);

    expect(retried.providerEventId).toBe(created.providerEventId);
    expect(fake.eventsOf(calendar).filter((e) => e.subject === "Boiler repair")).toHaveLength(1);
    expect(fake.getEvent(created.providerEventId)).toMatchObject({
      start: at("2026-12-02T15:00:00Z"),
      end: at("2026-12-02T16:30:00Z"),
      location: "1 Main St",
      bodyContent: "Replace the boiler valve\n\nCustomer: Pat Doe · +15551234567",
      extendedProperties: { [APPOINTMENT_ID_PROPERTY_ID]: outgoing.appointmentId },
    });

    await provider.updateEvent(credentials, calendar, created.providerEventId, {
      ...outgoing,
      start: at("2026-12-03T15:00:00Z"),
      end: at("2026-12-03T16:00:00Z"),
    });
    expect(fake.getEvent(created.providerEventId)).toMatchObject({
      start: at("2026-12-03T15:00:00Z"),
      end: at("2026-12-03T16:00:00Z"),
    });

    await provider.deleteEvent(credentials, calendar, created.providerEventId);
    expect(fake.getEvent(created.providerEventId)).toBeUndefined();
    await provider.deleteEvent(credentials, calendar, created.providerEventId);
    const missing = await rejection(provider.updateEvent(credentials, calendar, created.providerEventId, outgoing));
    expect(missing.kind).toBe("not_found");
  });
});
