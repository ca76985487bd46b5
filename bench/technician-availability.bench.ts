import pg from "pg";
import { CheckAvailabilityRequestSchema } from "../gen/universalcalendar/v1/availability_pb.js";
import type { BusyPeriod } from "../src/domain/availability/busy-period.js";
import { parseLocalDate } from "../src/domain/availability/local-date.js";
import { defaultSchedulingRules } from "../src/domain/availability/scheduling-rules.js";
import { findTechnicianSlots, type TechnicianCandidate } from "../src/domain/availability/technician-slots.js";
import { fixedClock } from "../src/domain/clock.js";
import type { Technician } from "../src/domain/technicians/technician.js";
import { createTestDatabase } from "../test/support/test-database.js";
import { grpcCall, grpcFrame } from "./support/grpc-wire.js";
import { ensureH2load, runH2load } from "./support/h2load.js";
import { BENCH_SERVICE_KEY, startBenchServer } from "./support/server-process.js";

/**
 * Issue 14's workload: 10 technicians x 62 days x 1,000 busy periods each.
 * Part 1, the pure engine (findTechnicianSlots: one slot search per
 * technician plus the merge), for 1, 2, 5 and 10 technicians, so the scaling
 * shows. Part 2, any-technician CheckAvailability through gRPC against the
 * real service (its own process, its own database) with h2load.
 */
const ZONE = "America/Los_Angeles";
const WINDOW_START = "2024-03-04";
const DAYS = 62;
const PER_TECHNICIAN = 1_000;
const DAY = 86_400_000;

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function technician(i: number): Technician {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    tenantId: "bench",
    name: `Tech ${i}`,
    skills: ["hvac"],
    serviceArea: null,
    weeklyHours: null,
    dateOverrides: [],
    calendarId: null,
    jobberUserId: null,
    housecallProEmployeeId: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
  };
}

function candidates(count: number): TechnicianCandidate[] {
  const rules = {
    ...defaultSchedulingRules(ZONE),
    slotIntervalMinutes: 15,
    minimumNoticeMinutes: 0,
    bookingHorizonDays: 365,
  };
  const windowStart = Date.parse("2024-03-04T08:00:00Z");
  return Array.from({ length: count }, (_, i) => {
    const random = prng(42 + i);
    const t = technician(i);
    const periods: BusyPeriod[] = Array.from({ length: PER_TECHNICIAN }, (_, n) => {
      const start = windowStart + Math.floor(random() * ((DAYS * DAY) / 60_000)) * 60_000;
      const end = start + (30 + Math.floor(random() * 61)) * 60_000;
      return { kind: "appointment", id: `a${i}-${n}`, start: new Date(start), end: new Date(end), technicianId: t.id };
    });
    return { technician: t, rules, periods };
  });
}

function engine(): void {
  const firstDay = parseLocalDate(WINDOW_START)!;
  const shared = {
    timeZone: ZONE,
    firstDay,
    lastDay: firstDay + DAYS - 1,
    durationMinutes: 60,
    clock: fixedClock("2024-03-01T00:00:00Z"),
  };
  process.stdout.write("engine: findTechnicianSlots, 62 days, 1,000 busy periods per technician, 60-minute slots\n");
  process.stdout.write("technicians   busy    slots   median ms   p90 ms   per technician ms   runs\n");
  for (const count of [1, 2, 5, 10]) {
    const all = candidates(count);
    const runs = 200;
    let slots = 0;
    for (let i = 0; i < 20; i++) slots = findTechnicianSlots(shared, all, ZONE).reduce((s, d) => s + d.slots.length, 0);
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      findTechnicianSlots(shared, all, ZONE);
      samples.push(performance.now() - started);
    }
    samples.sort((a, b) => a - b);
    const median = samples[runs >> 1]!;
    process.stdout.write(
      `${String(count).padStart(11)}  ${String(count * PER_TECHNICIAN).padStart(5)}  ${String(slots).padStart(7)}` +
        `  ${median.toFixed(2).padStart(10)}  ${samples[Math.floor(runs * 0.9)]!.toFixed(2).padStart(7)}` +
        `  ${(median / count).toFixed(2).padStart(18)}  ${String(runs).padStart(5)}\n`,
    );
  }
}

/** The first Monday at least a week ahead. */
function firstMonday(): string {
  let day = Math.floor(Date.now() / DAY) * DAY + 7 * DAY;
  while (new Date(day).getUTCDay() !== 1) day += DAY;
  return new Date(day).toISOString().slice(0, 10);
}

async function seed(databaseUrl: string, tenantId: string, startDate: string): Promise<void> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query(`insert into scheduling_rules (tenant_id, rules, updated_by) values ($1, $2, 'bench')`, [
      tenantId,
      JSON.stringify({
        ...defaultSchedulingRules(ZONE),
        slotIntervalMinutes: 15,
        minimumNoticeMinutes: 60,
        bookingHorizonDays: 120,
      }),
    ]);
    // 1,000 appointments per technician over 62 days: 30 minutes every 89 minutes, shifted per technician.
    await db.query(
      `with t as (
         insert into technicians (tenant_id, name, skills)
         select $1, 'Tech ' || n, '{hvac}' from generate_series(1, 10) n returning id, name)
       insert into appointments (tenant_id, title, start_time, end_time, status, created_by, technician_id)
       select $1, 'Job', s, s + interval '30 minutes', 'confirmed', 'bench', t.id
       from t, lateral (select $2::timestamptz + (k * 89 + (substr(t.name, 6)::int) * 7) * interval '1 minute' as s
                        from generate_series(0, 999) k) x`,
      [tenantId, `${startDate}T00:00:00Z`],
    );
  } finally {
    await db.end();
  }
}

async function throughGrpc(): Promise<void> {
  ensureH2load();
  const database = await createTestDatabase();
  const server = await startBenchServer(database.url);
  const tenantId = "bench-technicians";
  const startDate = firstMonday();
  try {
    await seed(database.url, tenantId, startDate);
    const headers = { "x-service-key": BENCH_SERVICE_KEY };
    const method = "/universalcalendar.v1.AvailabilityService/CheckAvailability";
    for (const days of [14, 62]) {
      const endDate = new Date(Date.parse(startDate) + (days - 1) * DAY).toISOString().slice(0, 10);
      const body = grpcFrame(CheckAvailabilityRequestSchema, {
        tenantId,
        startDate,
        endDate,
        durationMinutes: 60,
        anyTechnician: true,
        jobType: "hvac",
      });
      const answer = await grpcCall(server.url, method, body, headers);
      const result = await runH2load({
        url: server.url + method,
        headers,
        body,
        calls: days === 62 ? 400 : 1_500,
        connections: 4,
        streamsPerConnection: 2,
      });
      process.stdout.write(
        `gRPC any-technician CheckAvailability, 10 technicians x 1,000 appointments, ${days} days ` +
          `(${answer.length}-byte answer): ${result.perSecond.toFixed(0)} calls/s, p50 ${result.p50Ms.toFixed(1)} ms, ` +
          `p99 ${result.p99Ms.toFixed(1)} ms, ${result.failures} failures of ${result.calls}\n`,
      );
    }
  } finally {
    await server.stop();
    await database.drop();
  }
}

export async function run(): Promise<void> {
  engine();
  await throughGrpc();
}
