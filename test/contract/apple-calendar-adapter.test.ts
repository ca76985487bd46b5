import { createAppleProvider } from "../../src/providers/calendar/apple/apple-provider.js";
import { startRadicale } from "../support/radicale.js";
import { startThrottlingProxy } from "../support/throttling-proxy.js";
import { calendarAdapterContract } from "./calendar-adapter.contract.js";

const stamp = (date: Date) =>
  date
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");

calendarAdapterContract("Apple (CalDAV on a real Radicale)", async () => {
  const radicale = await startRadicale();
  // iCloud throttles with 429; Radicale never does, so a proxy plays that part.
  const proxy = await startThrottlingProxy(radicale.baseUrl);
  const adapter = createAppleProvider({ caldavUrl: proxy.baseUrl, requestTimeoutMs: 30_000 });
  const credentials = { kind: "basic" as const, username: radicale.username, password: radicale.password };
  const work = (await adapter.listCalendars(credentials)).find((c) => c.name === "work");
  if (!work) throw new Error("Radicale's work calendar is not listed");
  let count = 0;
  return {
    adapter,
    credentials,
    rejectedCredentials: { ...credentials, password: "not-the-app-password" },
    calendarId: work.id,
    missingEventId: "no-such-event@universal-calendar",
    async addBusyEvent(event) {
      const uid = `contract-${++count}`;
      const body = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//universal-calendar//contract//EN",
        "BEGIN:VEVENT",
        `UID:${uid}`,
        `DTSTAMP:${stamp(event.start)}`,
        `DTSTART:${stamp(event.start)}`,
        `DTEND:${stamp(event.end)}`,
        `SUMMARY:${event.title}`,
        "END:VEVENT",
        "END:VCALENDAR",
        "",
      ].join("\r\n");
      const res = await radicale.request("PUT", `${radicale.calendarUrl}${uid}.ics`, body, {
        "content-type": "text/calendar; charset=utf-8",
      });
      if (res.status !== 201 && res.status !== 204) throw new Error(`PUT answered ${res.status}`);
    },
    // Radicale keeps its sync tokens; one it no longer knows is what an expired one looks like to a client.
    async expireSyncStates(state) {
      const parsed = JSON.parse(state) as { token: string };
      return JSON.stringify({
        ...parsed,
        token: "http://radicale.org/ns/sync/0000000000000000000000000000000000000000",
      });
    },
    async throttleNextRequest(retryAfterSeconds) {
      proxy.throttleNext(1, retryAfterSeconds);
    },
    async close() {
      await proxy.close();
      await radicale.stop();
    },
  };
});
