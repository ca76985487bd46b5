import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  BusyTimeSource,
  ChangeSet,
  EventDestination,
  OutgoingEvent,
  SyncWindow,
} from "../../src/providers/calendar/calendar-provider.js";
import type { ProviderCredentials } from "../../src/providers/kit/connector.js";
import { ProviderError } from "../../src/providers/kit/provider-error.js";

/** What each adapter's test file gives the contract: the adapter, a provider (fake or real server) and its levers. */
export interface CalendarAdapterHarness {
  adapter: BusyTimeSource & EventDestination;
  credentials: ProviderCredentials;
  /** Credentials the provider rejects (wrong password, revoked token). */
  rejectedCredentials: ProviderCredentials;
  /** An event id of the provider's own format that names no event. */
  missingEventId: string;
  /** A writable calendar of the account, as listCalendars names it. */
  calendarId: string;
  /** Puts a busy (opaque, confirmed) timed event on calendarId; returns nothing the contract relies on. */
  addBusyEvent(event: { title: string; start: Date; end: Date }): Promise<void>;
  /** Makes every saved sync state of calendarId unusable the way the provider does (expired token, 410). */
  expireSyncStates(state: string): Promise<string>;
  /** The provider's next API request answers 429 with Retry-After: seconds. */
  throttleNextRequest(retryAfterSeconds: number): Promise<void>;
  close(): Promise<void>;
}

const WINDOW: SyncWindow = { start: new Date("2027-03-01T00:00:00Z"), end: new Date("2027-04-01T00:00:00Z") };

function changesOf(set: ChangeSet) {
  if (set.kind !== "changes") throw new Error(`expected changes, got ${set.kind}`);
  return set;
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

/**
 * The contract every calendar adapter keeps, whatever its wire format:
 * calendars, busy events in a window, incremental sync state, an expired
 * state as full_sync_required, throttling as rate_limited with Retry-After,
 * and rejected credentials as an auth failure.
 */
export function calendarAdapterContract(name: string, start: () => Promise<CalendarAdapterHarness>): void {
  describe(`${name} calendar adapter contract`, () => {
    let h: CalendarAdapterHarness;
    beforeAll(async () => {
      h = await start();
    });
    afterAll(() => h?.close());

    it("lists the account's calendars, the writable one included", async () => {
      const calendars = await h.adapter.listCalendars(h.credentials);
      expect(calendars.find((c) => c.id === h.calendarId)).toMatchObject({ writable: true });
      expect(calendars.filter((c) => c.primary).length).toBeLessThanOrEqual(1);
    });

    it("lists the busy events in a window, and only those", async () => {
      await h.addBusyEvent({
        title: "Contract inside",
        start: new Date("2027-03-10T15:00:00Z"),
        end: new Date("2027-03-10T16:00:00Z"),
      });
      await h.addBusyEvent({
        title: "Contract outside",
        start: new Date("2027-05-10T15:00:00Z"),
        end: new Date("2027-05-10T16:00:00Z"),
      });
      const listing = await h.adapter.listEvents(h.credentials, h.calendarId, WINDOW);
      const inside = listing.events.filter((e) => e.title === "Contract inside");
      expect(inside).toHaveLength(1);
      expect(inside[0]).toMatchObject({
        start: new Date("2027-03-10T15:00:00Z"),
        end: new Date("2027-03-10T16:00:00Z"),
        allDay: false,
        transparent: false,
        status: "confirmed",
      });
      expect(listing.events.some((e) => e.title === "Contract outside")).toBe(false);
    });

    it("hands out a sync state that yields only later changes", async () => {
      const full = await h.adapter.listEvents(h.credentials, h.calendarId, WINDOW);
      expect(full.nextSyncState).toBeTruthy();
      const quiet = changesOf(await h.adapter.listChanges(h.credentials, h.calendarId, full.nextSyncState!, WINDOW));
      expect(quiet.upserts.filter((e) => e.title === "Contract inside")).toEqual([]);

      await h.addBusyEvent({
        title: "Contract later",
        start: new Date("2027-03-12T15:00:00Z"),
        end: new Date("2027-03-12T17:00:00Z"),
      });
      const later = changesOf(await h.adapter.listChanges(h.credentials, h.calendarId, quiet.nextSyncState, WINDOW));
      expect(later.upserts.map((e) => e.title)).toContain("Contract later");
      expect(later.upserts.map((e) => e.title)).not.toContain("Contract inside");
      expect(later.nextSyncState).toBeTruthy();
    });

    it("answers full_sync_required for an expired sync state", async () => {
      const full = await h.adapter.listEvents(h.credentials, h.calendarId, WINDOW);
      const expired = await h.expireSyncStates(full.nextSyncState!);
      expect(await h.adapter.listChanges(h.credentials, h.calendarId, expired, WINDOW)).toEqual({
        kind: "full_sync_required",
      });
    });

    const appointmentEvent = (appointmentId: string): OutgoingEvent => ({
      appointmentId,
      title: "Contract booking",
      description: "Replace the valve",
      location: "1 Main St",
      start: new Date("2027-03-20T15:00:00Z"),
      end: new Date("2027-03-20T16:00:00Z"),
      timeZone: "America/Chicago",
      customer: { name: "Pat Doe", phone: "+15551234567", email: "pat@example.test" },
    });

    it("creates an appointment's event once, however often the create is repeated", async () => {
      const event = appointmentEvent(randomUUID());
      const first = await h.adapter.createEvent(h.credentials, h.calendarId, event);
      const again = await h.adapter.createEvent(h.credentials, h.calendarId, event);
      expect(again.providerEventId).toBe(first.providerEventId);
      const listing = await h.adapter.listEvents(h.credentials, h.calendarId, WINDOW);
      expect(listing.events.filter((e) => e.providerEventId === first.providerEventId)).toHaveLength(1);
    });

    it("updates an event it wrote, and answers not_found for one that does not exist", async () => {
      const event = appointmentEvent(randomUUID());
      const created = await h.adapter.createEvent(h.credentials, h.calendarId, event);
      const moved = { ...event, start: new Date("2027-03-21T15:00:00Z"), end: new Date("2027-03-21T17:00:00Z") };
      await h.adapter.updateEvent(h.credentials, h.calendarId, created.providerEventId, moved, created.etag);
      const listing = await h.adapter.listEvents(h.credentials, h.calendarId, WINDOW);
      expect(listing.events.find((e) => e.providerEventId === created.providerEventId)).toMatchObject({
        start: moved.start,
        end: moved.end,
      });
      const missing = appointmentEvent(randomUUID());
      const error = await rejection(h.adapter.updateEvent(h.credentials, h.calendarId, h.missingEventId, missing));
      expect(error.kind).toBe("not_found");
    });

    it("refuses an update carrying a stale etag as precondition_failed", async () => {
      const event = appointmentEvent(randomUUID());
      const created = await h.adapter.createEvent(h.credentials, h.calendarId, event);
      const updated = await h.adapter.updateEvent(h.credentials, h.calendarId, created.providerEventId, event);
      if (!created.etag || created.etag === updated.etag) return;
      const error = await rejection(
        h.adapter.updateEvent(h.credentials, h.calendarId, created.providerEventId, event, created.etag),
      );
      expect(error.kind).toBe("precondition_failed");
    });

    it("deletes an event, and deleting it again (or one never made) succeeds", async () => {
      const event = appointmentEvent(randomUUID());
      const created = await h.adapter.createEvent(h.credentials, h.calendarId, event);
      await h.adapter.deleteEvent(h.credentials, h.calendarId, created.providerEventId);
      await h.adapter.deleteEvent(h.credentials, h.calendarId, created.providerEventId);
      await h.adapter.deleteEvent(h.credentials, h.calendarId, h.missingEventId);
      const listing = await h.adapter.listEvents(h.credentials, h.calendarId, WINDOW);
      expect(listing.events.some((e) => e.providerEventId === created.providerEventId)).toBe(false);
    });

    it("reports 429 as rate_limited with Retry-After in milliseconds, retrying nothing itself", async () => {
      await h.throttleNextRequest(4);
      const error = await rejection(h.adapter.listCalendars(h.credentials));
      expect(error).toMatchObject({ kind: "rate_limited", retryAfterMs: 4000, retryable: true });
      expect(await h.adapter.listCalendars(h.credentials)).not.toHaveLength(0);
    });

    it("reports rejected credentials as unauthorized, never echoing the secret", async () => {
      const error = await rejection(h.adapter.listEvents(h.rejectedCredentials, h.calendarId, WINDOW));
      expect(error).toMatchObject({ kind: "unauthorized", retryable: false });
      const secret =
        h.rejectedCredentials.kind === "oauth"
          ? h.rejectedCredentials.accessToken
          : h.rejectedCredentials.kind === "basic"
            ? h.rejectedCredentials.password
            : h.rejectedCredentials.apiKey;
      expect(error.message).not.toContain(secret);
    });
  });
}
