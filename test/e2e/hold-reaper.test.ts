import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { AvailabilityService } from "../../gen/universalcalendar/v1/availability_pb.js";
import { runSchedule } from "../../src/app/schedules/run-schedule.js";
import type { Clock } from "../../src/domain/clock.js";
import { schedulesOf } from "../../src/jobs/schedules.js";
import { client, grpcTransport, serviceKey } from "../support/clients.js";
import { createDatabaseBeside, type TestDatabase } from "../support/test-database.js";
import { newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

/** A clock the test moves: holds expire without waiting. */
class MovableClock implements Clock {
  private at = Date.parse("2030-06-01T12:00:00Z");
  now(): Date {
    return new Date(this.at);
  }
  advance(ms: number): void {
    this.at += ms;
  }
}

/**
 * The database is this file's own: the reaper deletes every tenant's expired
 * holds, by a clock other files' holds do not follow.
 */
let database: TestDatabase;
let server: TestServer;
const clock = new MovableClock();

beforeAll(async () => {
  database = await createDatabaseBeside(inject("databaseUrl"));
  server = await startTestServer({ databaseUrl: database.url, clock });
});
afterAll(async () => {
  await server?.close();
  await database?.drop();
});

const sql = <R>(text: string, params: unknown[] = []) =>
  server.orm.em.fork().getConnection().execute<R[]>(text, params);

describe("the expired-hold reaper", () => {
  it("is a schedule of its own, every 5 minutes by default", () => {
    expect(schedulesOf(server.app.settings)).toContainEqual({ queue: "schedule-hold-reap", cron: "*/5 * * * *" });
  });

  it("deletes expired holds in batches, audited without customer data, and leaves live holds", async () => {
    const tenantId = newTenantId();
    const availability = client(AvailabilityService, grpcTransport(server.baseUrl, serviceKey));
    const hold = (hour: string, ttlSeconds: number) =>
      availability.holdSlot({
        tenantId,
        startTime: timestampFromDate(new Date(`2030-06-03T${hour}:00:00Z`)),
        endTime: timestampFromDate(new Date(`2030-06-03T${hour}:30:00Z`)),
        ttlSeconds,
      });
    const live = await hold("10", 3_600);
    const expiring = await hold("11", 60);
    expect([live.held, expiring.held]).toEqual([true, true]);
    // Another tenant's pile of expired holds, more than one batch of them (500 per transaction).
    const other = newTenantId();
    await sql(
      `insert into appointments (tenant_id, title, start_time, end_time, status, hold_token, expires_at, created_by)
       select ?, 'Slot hold', t, t + interval '1 minute', 'held', 'bulk-' || g, ?, 'test'
       from generate_series(1, 1200) g, lateral (select ?::timestamptz + g * interval '1 minute' as t) x`,
      [other, clock.now(), "2030-07-01T00:00:00Z"],
    );
    clock.advance(61_000);

    await runSchedule(server.app, { kind: "service", keyId: "jobs" }, { name: "schedule-hold-reap" });

    const held = await sql<{ tenant_id: string; hold_token: string }>(
      `select tenant_id, hold_token from appointments where status = 'held'`,
    );
    expect(held).toEqual([{ tenant_id: tenantId, hold_token: live.hold!.holdToken }]);
    const audited = await sql<{ actor: string; action: string; entity_id: string; changes: Record<string, unknown> }>(
      `select actor, action, entity_id, changes from audit_log where tenant_id = ? and action = 'appointment.hold_expired'`,
      [tenantId],
    );
    expect(audited).toHaveLength(1);
    expect(audited[0]).toMatchObject({ actor: "service:jobs", action: "appointment.hold_expired" });
    expect(audited[0]!.changes).toEqual({
      startTime: "2030-06-03T11:00:00.000Z",
      endTime: "2030-06-03T11:30:00.000Z",
      expiresAt: new Date(Date.parse("2030-06-01T12:01:00Z")).toISOString(),
      technicianId: null,
    });
    const [{ n }] = (await sql<{ n: string }>(
      `select count(*) as n from audit_log where tenant_id = ? and action = 'appointment.hold_expired'`,
      [other],
    )) as [{ n: string }];
    expect(Number(n)).toBe(1200);

    // The live hold still holds its slot; the reaped one's token is gone.
    expect((await availability.releaseHold({ tenantId, holdToken: expiring.hold!.holdToken })).released).toBe(false);
    expect((await availability.releaseHold({ tenantId, holdToken: live.hold!.holdToken })).released).toBe(true);
  });
});
