import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { claimScheduleRun } from "../../src/app/schedules/claim-schedule-run.js";
import { runSchedule } from "../../src/app/schedules/run-schedule.js";
import { CalendarIntegrationSchema } from "../../src/entities/calendar-integration.js";
import { SyncJobSchema } from "../../src/entities/sync-job.js";
import { eventually } from "../support/free-port.js";
import { MutableClock } from "../support/mutable-clock.js";
import { createDatabaseBeside, type TestDatabase } from "../support/test-database.js";
import { newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

/**
 * Two instances on one database and one pg-boss schema, as in production.
 * The database is this file's own: a schedule sweeps every integration.
 */
let database: TestDatabase;
let first: TestServer;
let second: TestServer;
const queueSchema = `pgboss_sched_${randomUUID().replace(/-/g, "").slice(0, 8)}`;
const clock = new MutableClock();

beforeAll(async () => {
  database = await createDatabaseBeside(inject("databaseUrl"));
  first = await startTestServer({ databaseUrl: database.url, queueSchema, clock, runSchedules: true });
  second = await startTestServer({ databaseUrl: database.url, queueSchema, clock, runSchedules: true });
});
afterAll(async () => {
  await Promise.all([first?.close(), second?.close()]);
  await database?.drop();
});

describe("schedules across two instances", () => {
  it("registers each schedule once in the shared queue", async () => {
    const rows = await first.orm.em
      .fork()
      .getConnection()
      .execute<{ name: string; cron: string }[]>(`select name, cron from ${queueSchema}.schedule order by name`);
    expect(rows.map((r) => r.name)).toEqual(
      [...Object.keys(first.app.settings.scheduleIntervalsMs), "outbox-sweep"].sort(),
    );
    expect(rows.find((r) => r.name === "schedule-caldav-poll")?.cron).toBe("*/2 * * * *");
    expect(rows.find((r) => r.name === "schedule-backstop-sync")?.cron).toBe("*/15 * * * *");
  });

  it("claims a firing once when both instances (or a double firing) race for it", async () => {
    clock.advance(3 * 3_600_000);
    const claims = await Promise.all([
      claimScheduleRun(first.app, "schedule-token-refresh"),
      claimScheduleRun(second.app, "schedule-token-refresh"),
      claimScheduleRun(first.app, "schedule-token-refresh"),
      claimScheduleRun(second.app, "schedule-token-refresh"),
    ]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    // Half an interval later the next firing is its own run again.
    clock.advance(first.app.settings.scheduleIntervalsMs["schedule-token-refresh"]);
    expect(await claimScheduleRun(second.app, "schedule-token-refresh")).toBe(true);
  });

  it("runs the backstop sync once per integration when the schedule fires on both instances at once", async () => {
    clock.advance(3 * 3_600_000);
    const em = first.orm.em.fork();
    const integration = em.create(CalendarIntegrationSchema, {
      id: randomUUID(),
      tenantId: newTenantId(),
      provider: "apple",
      accountEmail: `${randomUUID()}@icloud.example`,
      status: "active",
      createdAt: new Date(),
      updatedAt: new Date(),
    });
    await em.flush();
    const before = await em.count(SyncJobSchema, {});
    await Promise.all([
      first.app.jobs.send("schedule-backstop-sync", {}),
      second.app.jobs.send("schedule-backstop-sync", {}),
      runSchedule(first.app, { kind: "service", keyId: "test" }, { name: "schedule-backstop-sync" }),
      runSchedule(second.app, { kind: "service", keyId: "test" }, { name: "schedule-backstop-sync" }),
    ]);
    await eventually(async () => (await em.fork().count(SyncJobSchema, { integrationId: integration.id })) > 0);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await em.fork().count(SyncJobSchema, { integrationId: integration.id })).toBe(1);
    expect(await em.fork().count(SyncJobSchema, {})).toBeGreaterThanOrEqual(before + 1);
  });
});
