import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppointmentService } from "../../gen/universalcalendar/v1/appointment_pb.js";
import { AvailabilityService } from "../../gen/universalcalendar/v1/availability_pb.js";
import {
  BUSY_TIMES_WITH_SOFT_BLOCKS,
  busyValues,
  lensValues,
  type BusyTimes,
} from "../../src/app/availability/load-busy-periods.js";
import { startEmbeddedPostgres } from "../../src/db/embedded-postgres.js";
import { fixedClock } from "../../src/domain/clock.js";
import { appointmentRequest } from "../support/appointment-requests.js";
import { client, grpcTransport, serviceKey } from "../support/clients.js";
import { createDatabaseBeside } from "../support/test-database.js";
import { newTenantId, startTestServer, type TestServer } from "../support/test-server.js";

/**
 * The hot paths' own pool of named prepared statements and the per-instance
 * rules cache, on two instances sharing one database.
 */
const clock = fixedClock("2030-06-01T12:00:00Z");
let instanceA: TestServer;
let instanceB: TestServer;

beforeAll(async () => {
  [instanceA, instanceB] = await Promise.all([startTestServer({ clock }), startTestServer({ clock })]);
});
afterAll(async () => {
  await Promise.all([instanceA?.close(), instanceB?.close()]);
});

const availability = (server: TestServer) => client(AvailabilityService, grpcTransport(server.baseUrl, serviceKey));
const appointments = (server: TestServer) => client(AppointmentService, grpcTransport(server.baseUrl, serviceKey));

function hours(opening: string, closing: string) {
  return [1, 2, 3, 4, 5].map((weekday) => ({ weekday, ranges: [{ start: opening, end: closing }] }));
}

async function slotHoursOn(server: TestServer, tenantId: string, date: string): Promise<number[]> {
  const res = await availability(server).checkAvailability({
    tenantId,
    startDate: date,
    endDate: date,
    durationMinutes: 60,
  });
  return res.days.flatMap((day) =>
    day.slots.map((slot) => new Date(Number(slot.startTime!.seconds) * 1000).getUTCHours()),
  );
}

describe("scheduling rules cached per instance", () => {
  it("answers with rules changed on another instance on the very next call", async () => {
    const tenantId = newTenantId();
    const rules = { timeZone: "UTC", slotIntervalMinutes: 60, minimumNoticeMinutes: 0 };
    await availability(instanceA).updateSchedulingRules({
      tenantId,
      rules: { ...rules, weeklyHours: hours("09:00", "12:00") },
    });
    // B reads and caches the rules.
    expect(await slotHoursOn(instanceB, tenantId, "2030-06-03")).toEqual([9, 10, 11]);
    expect(await slotHoursOn(instanceB, tenantId, "2030-06-03")).toEqual([9, 10, 11]);

    await availability(instanceA).updateSchedulingRules({
      tenantId,
      rules: { ...rules, weeklyHours: hours("13:00", "15:00") },
    });
    expect(await slotHoursOn(instanceB, tenantId, "2030-06-03")).toEqual([13, 14]);

    // A rules row changed behind every instance's back (by hand, in SQL) is seen too.
    await instanceA.orm.em
      .fork()
      .execute(
        `update scheduling_rules set rules = jsonb_set(rules, '{slotIntervalMinutes}', '30') where tenant_id = ?`,
        [tenantId],
      );
    const res = await availability(instanceB).checkAvailability({
      tenantId,
      startDate: "2030-06-03",
      endDate: "2030-06-03",
      durationMinutes: 60,
    });
    expect(res.totalSlots).toBe(3); // 13:00, 13:30, 14:00
  });
});

describe("prepared statements after the database drops every connection", () => {
  it("keeps serving Get, Create and CheckAvailability once the pool's backends are terminated", async () => {
    const exercise = hotPathCalls(instanceA);
    await exercise();

    const em = instanceB.orm.em.fork();
    const [row] = await em.execute<{ terminated: string }[]>(
      `select count(*) filter (where pg_terminate_backend(pid)) as terminated from pg_stat_activity
       where application_name = ?`,
      [instanceA.app.sql.applicationName],
    );
    expect(Number(row!.terminated)).toBeGreaterThan(0);

    await servesAgain(exercise);
  });

  it("keeps serving them across a restart of PostgreSQL", async () => {
    const runDir = await mkdtemp(path.join(tmpdir(), "uc-restart-pg-"));
    await chmod(runDir, 0o755);
    const dataDir = path.join(runDir, "postgres");
    let postgres = await startEmbeddedPostgres(dataDir);
    const database = await createDatabaseBeside(postgres.url);
    const server = await startTestServer({ clock, databaseUrl: database.url });
    try {
      const exercise = hotPathCalls(server);
      await exercise();
      await postgres.stop();
      postgres = await startEmbeddedPostgres(dataDir, undefined, Number(new URL(postgres.url).port));
      // Every connection of both pools died with the server: each is replaced and prepares its statements again.
      await servesAgain(exercise);
    } finally {
      await server.close();
      await postgres.stop();
      await rm(runDir, { recursive: true, force: true });
    }
  }, 120_000);
});

/**
 * Books the next day's slot, reads every appointment booked so far and asks
 * for availability: the hot paths' three statements, on one new tenant.
 */
function hotPathCalls(server: TestServer): () => Promise<void> {
  const tenantId = newTenantId();
  const created: string[] = [];
  return async () => {
    const day = String(1 + created.length).padStart(2, "0");
    const booked = await appointments(server).createAppointment(
      appointmentRequest(tenantId, `2030-07-${day}T10:00:00Z`, `2030-07-${day}T11:00:00Z`),
    );
    expect(booked.created).toBe(true);
    created.push(booked.appointment!.id);
    for (const id of created) expect((await appointments(server).getAppointment({ id })).appointment?.id).toBe(id);
    await availability(server).checkAvailability({
      tenantId,
      startDate: "2030-06-03",
      endDate: "2030-06-16",
      durationMinutes: 60,
    });
  };
}

/** The first calls may meet a connection the pool has not yet seen die; none after that fails. */
async function servesAgain(exercise: () => Promise<void>): Promise<void> {
  await expect
    .poll(
      async () =>
        exercise().then(
          () => true,
          () => false,
        ),
      { timeout: 10_000 },
    )
    .toBe(true);
  await exercise();
  await exercise();
}

describe("busy reads with a long history", () => {
  it("read only the window's appointments, blocks and mappings, not every past one of the tenant", async () => {
    const tenantId = newTenantId();
    const em = instanceA.orm.em.fork();
    // Two years and a half of hourly past appointments and blocks, then three of each in the window.
    const hourly = `generate_series('2027-01-01T00:00:00Z'::timestamptz,
      '2027-01-01T00:00:00Z'::timestamptz + interval '19999 hours', interval '1 hour') as t`;
    await em.execute(
      `insert into appointments (tenant_id, title, start_time, end_time, status, created_by)
       select ?, 'Past job', t, t + interval '1 hour', 'completed', 'test' from ${hourly}`,
      [tenantId],
    );
    await em.execute(
      `insert into availability_blocks (tenant_id, title, start_time, end_time, block_type, created_by)
       select ?, 'Past lunch', t, t + interval '30 minutes', 'hard', 'test' from ${hourly}`,
      [tenantId],
    );
    for (const day of ["04", "05", "06"]) {
      const booked = await appointments(instanceA).createAppointment(
        appointmentRequest(tenantId, `2030-06-${day}T10:00:00Z`, `2030-06-${day}T11:00:00Z`),
      );
      expect(booked.created).toBe(true);
      await availability(instanceA).blockTime({
        tenantId,
        startTime: timestampFromDate(new Date(`2030-06-${day}T12:00:00Z`)),
        endTime: timestampFromDate(new Date(`2030-06-${day}T13:00:00Z`)),
        reason: "Lunch",
      });
    }
    // A calendar with 5,000 past appointments' events recorded (mappings) and 200 busy events in the window.
    const [calendar] = await em.execute<{ integration_id: string; calendar_id: string }[]>(
      `with i as (insert into calendar_integrations (tenant_id, provider, account_email)
                  values (?, 'google', 'owner@example.test') returning id, tenant_id)
       insert into integration_calendars (tenant_id, integration_id, provider_calendar_id, is_primary)
       select tenant_id, id, 'primary', true from i returning integration_id, id as calendar_id`,
      [tenantId],
    );
    await em.execute(
      `insert into appointment_calendar_events (tenant_id, appointment_id, calendar_id, integration_id,
         provider_calendar_id, provider_event_id)
       select tenant_id, id, ?::uuid, ?::uuid, 'primary', 'ours-' || id from appointments
       where tenant_id = ? and status = 'completed' order by start_time limit 5000`,
      [calendar!.calendar_id, calendar!.integration_id, tenantId],
    );
    await em.execute(
      `insert into provider_busy_events (tenant_id, integration_id, calendar_id, provider_event_id, start_time,
         end_time, status, transparent)
       select ?, ?::uuid, ?::uuid, 'theirs-' || n, t, t + interval '30 minutes', 'confirmed', false
       from generate_series(1, 200) n, lateral (select '2030-06-03T08:00:00Z'::timestamptz + n * interval '97 minutes' as t) x`,
      [tenantId, calendar!.integration_id, calendar!.calendar_id],
    );
    await em.execute(`analyze appointments, availability_blocks, appointment_calendar_events, provider_busy_events`);
    const window = { start: new Date("2030-06-03T00:00:00Z"), end: new Date("2030-06-17T00:00:00Z") };
    const values = [...busyValues(tenantId, window), ...lensValues({ now: clock.now() })];
    const busy = await instanceA.app.sql.rows<BusyTimes>(BUSY_TIMES_WITH_SOFT_BLOCKS, values);
    expect(busy[0]!.own_starts).toHaveLength(6);
    expect(busy[0]!.event_starts).toHaveLength(200);

    const [explained] = await instanceA.app.sql.rows<{ "QUERY PLAN": [{ Plan: PlanNode }] }>(
      { name: "", text: `explain (analyze, buffers, format json) ${BUSY_TIMES_WITH_SOFT_BLOCKS.text}` },
      values,
    );
    const plan = explained!["QUERY PLAN"][0].Plan;
    // Reading every past row (a btree on start_time, bounded above only) read 20,003 of each.
    expect(rowsRead(plan, "appointments")).toBeLessThan(100);
    expect(rowsRead(plan, "availability_blocks")).toBeLessThan(100);
    // An anti-join hashed every mapping of the tenant (5,000) to rule out 200 events.
    expect(rowsRead(plan, "appointment_calendar_events")).toBeLessThan(100);
  });
});

interface PlanNode {
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  Plans?: PlanNode[];
}

/** Rows (or index entries) of table that the plan's nodes produced or filtered out. */
function rowsRead(node: PlanNode, table: string): number {
  const ofTable = node["Relation Name"] === table || node["Index Name"]?.startsWith(`${table}_`) === true;
  const own = ofTable
    ? node["Actual Rows"] * node["Actual Loops"] +
      (node["Rows Removed by Filter"] ?? 0) +
      (node["Rows Removed by Index Recheck"] ?? 0)
    : 0;
  return own + (node.Plans ?? []).reduce((sum, child) => sum + rowsRead(child, table), 0);
}
