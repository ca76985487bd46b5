import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProviderError } from "../../src/providers/kit/provider-error.js";
import type { ProviderCredentials } from "../../src/providers/kit/connector.js";
import { GOOGLE_SCOPES, GoogleCalendarProvider } from "../../src/providers/calendar/google/google-calendar-provider.js";
import { googleEventIdFor } from "../../src/providers/calendar/google/google-event-mapping.js";
import { GoogleCalendarFake } from "../fakes/google/google-calendar-fake.js";

let fake: GoogleCalendarFake;
let provider: GoogleCalendarProvider;
const email = "adapter@example.test";
const redirectUri = "http://127.0.0.1:1/oauth/callback";
const window = { start: new Date("2026-12-01T00:00:00Z"), end: new Date("2027-01-01T00:00:00Z") };

async function connect(): Promise<{ credentials: ProviderCredentials; refreshToken: string }> {
  const verifier = randomBytes(32).toString("base64url");
  const url = provider.authorizationUrl({
    state: "state-1",
    codeChallenge: createHash("sha256").update(verifier).digest("base64url"),
    redirectUri,
  });
  const redirect = await fetch(url, { redirect: "manual" });
  const code = new URL(redirect.headers.get("location") ?? "").searchParams.get("code") ?? "";
  const tokens = await provider.exchangeCode({ code, codeVerifier: verifier, redirectUri });
  return { credentials: { kind: "oauth", accessToken: tokens.accessToken }, refreshToken: tokens.refreshToken ?? "" };
}

beforeAll(async () => {
  fake = await GoogleCalendarFake.start();
  fake.addAccount(email, [{ id: "holidays@group.example.test", summary: "Holidays", accessRole: "reader" }]);
  const env = fake.env();
  provider = new GoogleCalendarProvider({
    clientId: env.GOOGLE_CLIENT_ID ?? "",
    clientSecret: env.GOOGLE_CLIENT_SECRET ?? "",
    authorizeUrl: env.GOOGLE_OAUTH_AUTHORIZE_URL ?? "",
    tokenUrl: env.GOOGLE_OAUTH_TOKEN_URL ?? "",
    revokeUrl: env.GOOGLE_OAUTH_REVOKE_URL ?? "",
    calendarApiBaseUrl: env.GOOGLE_CALENDAR_API_BASE_URL ?? "",
    requestTimeoutMs: 30_000,
  });
});
afterAll(() => fake?.close());

describe("Google adapter against the fake", () => {
  it("builds an offline, consent, PKCE S256 authorization URL with the narrow scopes", async () => {
    const url = new URL(provider.authorizationUrl({ state: "s", codeChallenge: "c", redirectUri }));
    expect(url.searchParams.get("access_type")).toBe("offline");
    expect(url.searchParams.get("prompt")).toBe("consent");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("scope")?.split(" ")).toEqual(GOOGLE_SCOPES);
    expect(url.searchParams.get("scope")).not.toMatch(/auth\/calendar( |$)/);
  });

  it("exchanges a code, reads the account and the calendars", async () => {
    const { credentials } = await connect();
    expect(await provider.getAccount(credentials)).toEqual({ email });
    const calendars = await provider.listCalendars(credentials);
    expect(calendars).toEqual([
      expect.objectContaining({ id: email, primary: true, writable: true }),
      expect.objectContaining({ id: "holidays@group.example.test", primary: false, writable: false }),
    ]);
  });

  it("refuses a wrong PKCE verifier as invalid_grant", async () => {
    const url = provider.authorizationUrl({ state: "s", codeChallenge: "not-the-challenge", redirectUri });
    const code =
      new URL((await fetch(url, { redirect: "manual" })).headers.get("location") ?? "").searchParams.get("code") ?? "";
    await expect(provider.exchangeCode({ code, codeVerifier: "other", redirectUri })).rejects.toMatchObject({
      kind: "invalid_grant",
    });
  });

  it("lists every page, expands a series, then applies changes by sync token", async () => {
    const { credentials } = await connect();
    for (let i = 0; i < 7; i++) {
      fake.insertEvent(email, email, {
        summary: `job ${i}`,
        start: { dateTime: `2026-12-0${i + 1}T15:00:00Z` },
        end: { dateTime: `2026-12-0${i + 1}T16:00:00Z` },
      });
    }
    const seriesId = fake.insertEvent(email, email, {
      summary: "standup",
      start: { dateTime: "2026-12-10T14:00:00Z" },
      end: { dateTime: "2026-12-10T14:30:00Z" },
      recurrence: ["RRULE:FREQ=DAILY;COUNT=5"],
    });
    fake.insertEvent(email, email, {
      summary: "holiday",
      start: { date: "2026-12-24" },
      end: { date: "2026-12-26" },
      transparency: "transparent",
    });
    const full = await provider.listEvents(credentials, email, window);
    expect(full.events).toHaveLength(7 + 5 + 1);
    expect(full.nextSyncState).toBeTruthy();
    const allDay = full.events.find((e) => e.allDay);
    expect(allDay).toMatchObject({ startDate: "2026-12-24", endDate: "2026-12-26", transparent: true });

    const moved = fake.modifyInstance(email, email, seriesId, "2026-12-11T14:00:00Z", {
      start: { dateTime: "2026-12-11T18:00:00Z" },
      end: { dateTime: "2026-12-11T18:30:00Z" },
    });
    const cancelled = fake.cancelInstance(email, email, seriesId, "2026-12-12T14:00:00Z");
    const changes = await provider.listChanges(credentials, email, full.nextSyncState ?? "", window);
    expect(changes.kind).toBe("changes");
    if (changes.kind !== "changes") return;
    expect(changes.upserts.map((e) => e.providerEventId)).toEqual([moved]);
    expect(changes.upserts[0]?.start.toISOString()).toBe("2026-12-11T18:00:00.000Z");
    expect(changes.deletions).toEqual([cancelled]);

    fake.expireSyncTokens(email, email);
    expect(await provider.listChanges(credentials, email, changes.nextSyncState, window)).toEqual({
      kind: "full_sync_required",
    });
  });

  it("maps throttling, outages and bad tokens to ProviderError kinds", async () => {
    const { credentials, refreshToken } = await connect();
    fake.failApiRequests({ status: 429, retryAfterSeconds: 3 });
    await expect(provider.listCalendars(credentials)).rejects.toMatchObject({
      kind: "rate_limited",
      retryAfterMs: 3000,
    });
    fake.failApiRequests({ status: 403, reason: "userRateLimitExceeded" });
    await expect(provider.listCalendars(credentials)).rejects.toMatchObject({ kind: "rate_limited" });
    fake.failApiRequests({ status: 503 });
    const before = fake.requests.length;
    await expect(provider.listCalendars(credentials)).rejects.toMatchObject({ kind: "unavailable" });
    expect(fake.requests.length - before).toBe(1);
    await expect(provider.listCalendars({ kind: "oauth", accessToken: "ya29.wrong" })).rejects.toMatchObject({
      kind: "unauthorized",
    });

    fake.resetRequests();
    fake.failTokenRequests({ status: 503, retryAfterSeconds: 2 });
    await expect(provider.refresh(refreshToken)).rejects.toMatchObject({ kind: "unavailable", retryAfterMs: 2000 });
    expect(fake.countRequests((r) => r.path === "/token")).toBe(1);

    const refreshed = await provider.refresh(refreshToken);
    expect(refreshed.refreshToken).toBeUndefined();
    expect(await provider.listCalendars({ kind: "oauth", accessToken: refreshed.accessToken })).toHaveLength(2);
    fake.revokeGrant(email);
    const error = await provider.refresh(refreshToken).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ kind: "invalid_grant" });
    expect(String((error as Error).message)).not.toContain(refreshToken);
  });

  it("turns a request that outlives the timeout into unavailable", async () => {
    const env = fake.env();
    const impatient = new GoogleCalendarProvider({
      clientId: env.GOOGLE_CLIENT_ID ?? "",
      clientSecret: env.GOOGLE_CLIENT_SECRET ?? "",
      authorizeUrl: env.GOOGLE_OAUTH_AUTHORIZE_URL ?? "",
      tokenUrl: env.GOOGLE_OAUTH_TOKEN_URL ?? "",
      revokeUrl: env.GOOGLE_OAUTH_REVOKE_URL ?? "",
      calendarApiBaseUrl: env.GOOGLE_CALENDAR_API_BASE_URL ?? "",
      requestTimeoutMs: 100,
    });
    const { credentials } = await connect();
    fake.apiDelayMs = 400;
    try {
      await expect(impatient.listCalendars(credentials)).rejects.toMatchObject({ kind: "unavailable" });
    } finally {
      fake.apiDelayMs = 0;
    }
  });

  it("inserts idempotently with an id derived from the appointment, updates and deletes", async () => {
    const { credentials } = await connect();
    const event = {
      appointmentId: "0b7c2a4e-8f6d-4e7a-9d3c-2f1e0a9b8c7d",
      title: "Water heater",
      start: new Date("2026-12-20T15:00:00Z"),
      end: new Date("2026-12-20T17:00:00Z"),
      timeZone: "America/Chicago",
      customer: { name: "Pat Doe", phone: "+15551234567" },
    };
    const first = await provider.createEvent(credentials, email, event);
    const second = await provider.createEvent(credentials, email, event);
    expect(first.providerEventId).toBe(googleEventIdFor(event.appointmentId));
    expect(first.providerEventId).toMatch(/^[a-v0-9]{5,1024}$/);
    expect(second).toEqual(first);
    await provider.updateEvent(credentials, email, first.providerEventId, { ...event, title: "Water heater (moved)" });
    await provider.deleteEvent(credentials, email, first.providerEventId);
    await provider.deleteEvent(credentials, email, first.providerEventId);
    await expect(provider.createEvent(credentials, "holidays@group.example.test", event)).rejects.toMatchObject({
      kind: "forbidden",
    });
  });
});
