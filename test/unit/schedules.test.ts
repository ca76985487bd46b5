import { describe, expect, it } from "vitest";
import { cronEvery } from "../../src/jobs/schedules.js";
import { testConfig } from "../support/test-server.js";

describe("schedule intervals", () => {
  it("become cron expressions that repeat evenly", () => {
    expect(cronEvery(2 * 60_000)).toBe("*/2 * * * *");
    expect(cronEvery(15 * 60_000)).toBe("*/15 * * * *");
    expect(cronEvery(60 * 60_000)).toBe("0 */1 * * *");
    expect(cronEvery(360 * 60_000)).toBe("0 */6 * * *");
    expect(cronEvery(1_440 * 60_000)).toBe("0 3 * * *");
    expect(cronEvery(10_080 * 60_000)).toBe("0 3 * * 0");
  });

  it("refuse an interval that would not repeat evenly, naming the variable", () => {
    expect(() => testConfig({ CALDAV_POLL_INTERVAL_MINUTES: "7" })).toThrow(/CALDAV_POLL_INTERVAL_MINUTES/);
    expect(() => testConfig({ SYNC_BACKSTOP_INTERVAL_MINUTES: "90" })).toThrow(/SYNC_BACKSTOP_INTERVAL_MINUTES/);
    expect(testConfig({ CALDAV_POLL_INTERVAL_MINUTES: "5" }).realtime.scheduleMinutes.caldavPoll).toBe(5);
  });
});
